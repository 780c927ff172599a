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
  // paravirtual ABI
  ['HC', abi.HC],
  ['HC_ERR', abi.HC_ERR],
  ['PV_FEATURE', abi.PV_FEATURE],
  ['UVM', abi.UVM],
  ['MMU_REQ', abi.MMU_REQ],
  ['MMU_CMD', abi.MMU_CMD],
  ['MULTICALL', abi.MULTICALL],
  ['START_INFO', abi.START_INFO],
  ['SHINFO', abi.SHINFO],
  ['PV_VEC', abi.PV_VEC],
  ['EVT_BIND', abi.EVT_BIND],
  ['VIRQ', abi.VIRQ],
  ['BACKEND', abi.BACKEND],
  ['GRANT_FLAG', abi.GRANT_FLAG],
  ['RING', abi.RING],
  ['BLKIF_REQ', abi.BLKIF_REQ],
  ['BLKIF_RSP', abi.BLKIF_RSP],
  ['BLKIF_OP', abi.BLKIF_OP],
  ['NETIF_REQ', abi.NETIF_REQ],
  ['NETIF_RSP', abi.NETIF_RSP],
  ['CONSRING', abi.CONSRING],
  ['PV_IRET', abi.PV_IRET],
];

/** Single constants exported under their own names. */
const SINGLES: ReadonlyArray<[string, number]> = [
  ['PAGE_SIZE', abi.PAGE_SIZE],
  ['PAGE_SHIFT', abi.PAGE_SHIFT],
  ['PD_SHIFT', abi.PD_SHIFT],
  ['PT_ENTRIES', abi.PT_ENTRIES],
  ['PTE_SIZE', abi.PTE_SIZE],
  ['IRQ_LINES', abi.IRQ_LINES],
  ['CR0_PG', abi.CR0_PG],
  ['PIC_EOI', abi.PIC_EOI],
  ['UART_STATUS_RX', abi.UART_STATUS_RX],
  ['UART_STATUS_TX', abi.UART_STATUS_TX],
  ['UART_CTRL_RX_INT', abi.UART_CTRL_RX_INT],
  ['TIMER_ENABLE', abi.TIMER_ENABLE],
  ['TIMER_PERIODIC', abi.TIMER_PERIODIC],
  ['BLK_SECTOR_SIZE', abi.BLK_SECTOR_SIZE],
  ['BLK_CMD_READ', abi.BLK_CMD_READ],
  ['BLK_CMD_WRITE', abi.BLK_CMD_WRITE],
  ['BLK_STATUS_DONE', abi.BLK_STATUS_DONE],
  ['BLK_STATUS_ERROR', abi.BLK_STATUS_ERROR],
  ['NIC_CTRL_ENABLE', abi.NIC_CTRL_ENABLE],
  ['NIC_STATUS_LINK_UP', abi.NIC_STATUS_LINK_UP],
  ['NIC_ICR_TXDW', abi.NIC_ICR_TXDW],
  ['NIC_ICR_RXT', abi.NIC_ICR_RXT],
  ['NIC_DESC_STATUS_DD', abi.NIC_DESC_STATUS_DD],
  ['NIC_DESC_STATUS_ERR', abi.NIC_DESC_STATUS_ERR],
  ['NIC_DESC_CMD_EOP', abi.NIC_DESC_CMD_EOP],
  ['NIC_MAX_PACKET', abi.NIC_MAX_PACKET],
  ['HC_COUNT', abi.HC_COUNT],
  ['HC_CONSOLE_MAX', abi.HC_CONSOLE_MAX],
  ['HC_BATCH_MAX', abi.HC_BATCH_MAX],
  ['PV_VERSION', abi.PV_VERSION],
  ['PV_START_MAGIC', abi.PV_START_MAGIC],
  ['PV_KERNEL_RING', abi.PV_KERNEL_RING],
  ['EVTCHN_PORTS', abi.EVTCHN_PORTS],
  ['GRANT_MAX', abi.GRANT_MAX],
  ['RING_SLOTS', abi.RING_SLOTS],
  ['RING_SLOT_SIZE', abi.RING_SLOT_SIZE],
  ['IF_STATUS_OK', abi.IF_STATUS_OK],
  ['CONSRING_OUT_SIZE', abi.CONSRING_OUT_SIZE],
  ['CONSRING_IN_SIZE', abi.CONSRING_IN_SIZE],
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
  // Two ABI names that flatten to one assembler symbol would make every kernel fail to assemble.
  const seen = new Set<string>();
  for (const line of out) {
    const name = /^\.equ (\w+),/.exec(line)?.[1];
    if (!name) continue;
    if (seen.has(name)) throw new Error(`vx32.inc: ${name} would be defined twice; rename one of the ABI constants`);
    seen.add(name);
  }
  return out.join('\n') + '\n';
}
