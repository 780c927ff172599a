// Generates sdk/include/vx32.inc (assembly constants) from the ABI module, so guest code and the VMM share one source.
import * as abi from '../isa/abi.js';

const HEADER = `; vx32.inc - VX32 architecture and device constants for guest kernels.
; GENERATED from isa/abi.ts by \`npm run gen\` - do not edit; a test checks it is current.
`;

/** Groups exported as PREFIX_KEY constants. */
const GROUPS: ReadonlyArray<[string, Readonly<Record<string, number>>]> = [
  ['MEM', abi.MEMMAP],
  ['FLAG', abi.FLAGS],
  ['PTE', abi.PTE],
  ['PF', abi.PF_ERR],
  ['VEC', abi.VEC],
  ['FRAME', abi.FRAME],
  ['IRQ', abi.IRQ],
  ['PORT', abi.PORT],
  ['BLK', abi.BLK],
  ['NIC', abi.NIC],
  ['NIC_DESC', abi.NIC_DESC],
];

/** Single constants exported under their own names. */
const SINGLES: ReadonlyArray<[string, number]> = [
  ['PAGE_SIZE', abi.PAGE_SIZE],
  ['PAGE_SHIFT', abi.PAGE_SHIFT],
  ['CR0_PG', abi.CR0_PG],
  ['PIC_EOI', abi.PIC_EOI],
  ['UART_STATUS_RX', abi.UART_STATUS_RX],
  ['UART_STATUS_TX', abi.UART_STATUS_TX],
  ['TIMER_ENABLE', abi.TIMER_ENABLE],
  ['TIMER_PERIODIC', abi.TIMER_PERIODIC],
  ['BLK_SECTOR_SIZE', abi.BLK_SECTOR_SIZE],
  ['BLK_CMD_READ', abi.BLK_CMD_READ],
  ['BLK_CMD_WRITE', abi.BLK_CMD_WRITE],
  ['BLK_STATUS_DONE', abi.BLK_STATUS_DONE],
  ['BLK_STATUS_ERROR', abi.BLK_STATUS_ERROR],
  ['NIC_ICR_TXDW', abi.NIC_ICR_TXDW],
  ['NIC_ICR_RXT', abi.NIC_ICR_RXT],
  ['NIC_DESC_STATUS_DD', abi.NIC_DESC_STATUS_DD],
  ['NIC_DESC_CMD_EOP', abi.NIC_DESC_CMD_EOP],
  ['NIC_MAX_PACKET', abi.NIC_MAX_PACKET],
];

function hex(v: number): string {
  return '0x' + (v >>> 0).toString(16).toUpperCase();
}

export function generateVx32Inc(): string {
  const out = [HEADER];
  for (const [prefix, group] of GROUPS) {
    out.push(`\n; ${prefix}`);
    for (const [k, v] of Object.entries(group)) out.push(`.equ ${prefix}_${k}, ${hex(v)}`);
  }
  out.push('\n; misc');
  for (const [k, v] of SINGLES) out.push(`.equ ${k}, ${hex(v)}`);
  out.push('\n; control registers (mov crN): numbers for reference');
  for (const [k, v] of Object.entries(abi.CR)) out.push(`.equ ${k}_NUM, ${v}`);
  return out.join('\n') + '\n';
}
