// Generates docs/devices.md: every device's registers (numbers from isa/abi.ts), bits and behaviour; registered in scripts/generated.ts.
//
// Port numbers, MMIO offsets, bit values, IRQ lines and vectors come from abi.ts; each register's
// description is keyed by its abi.ts name (`satisfies Record<...>`), so a register added there
// without a description here fails to compile.

import {
  BLK, BLK_CMD_READ, BLK_CMD_WRITE, BLK_SECTOR_SIZE, BLK_STATUS_DONE, BLK_STATUS_ERROR, IRQ, MEMMAP, NIC, NIC_DESC,
  NIC_DESC_CMD_EOP, NIC_DESC_STATUS_DD, NIC_ICR_RXT, NIC_ICR_TXDW, NIC_MAX_PACKET, PIC_EOI, PORT, TIMER_ENABLE,
  TIMER_PERIODIC, UART_STATUS_RX, UART_STATUS_TX, VEC,
} from './abi.js';

const hex = (n: number, w = 0) => `0x${n.toString(16).padStart(w, '0')}`;
const bit = (v: number) => `bit ${Math.log2(v)} (${hex(v)})`;

export const PORT_DOCS = {
  PIC_CMD: `write ${hex(PIC_EOI)} (EOI) to end the highest-priority interrupt in service; other values are ignored`,
  PIC_MASK: 'read/write the 16-bit mask: **bit n set = line n masked** (not delivered); all lines start unmasked (0)',
  PIC_PENDING: 'read: lines requested and not yet acknowledged',
  PIC_INSERVICE: 'read: lines delivered and not yet ended by EOI',
  TIMER_CTRL: `${bit(TIMER_ENABLE)} enable, ${bit(TIMER_PERIODIC)} periodic; writing it with enable set (re)loads the count from the period`,
  TIMER_PERIOD: 'the period, in guest instructions (0 never fires)',
  TIMER_COUNT: 'read: instructions left until the next tick',
  UART_DATA: 'write: transmit the low byte; read: the next received byte (0 when none)',
  UART_STATUS: `${bit(UART_STATUS_RX)} a received byte is waiting, ${bit(UART_STATUS_TX)} transmit ready (always 1)`,
  UART_CTRL: 'bit 0 (0x1) receive interrupt enable',
  POWEROFF: 'write: stop the machine with the value as exit status (the first write wins)',
  TEST_PASS: 'write: the number of an in-guest test case that passed (self-test kernels)',
  TEST_FAIL: 'write: the number of an in-guest test case that failed',
} as const satisfies Record<keyof typeof PORT, string>;

export const BLK_DOCS = {
  SECTOR: 'first sector of the transfer',
  DMA_ADDR: 'guest-physical address of the buffer',
  COUNT: 'number of sectors',
  CMD: `write ${BLK_CMD_READ} (read) or ${BLK_CMD_WRITE} (write): runs the command to completion at once`,
  STATUS: `${bit(BLK_STATUS_DONE)} done, ${bit(BLK_STATUS_ERROR)} error`,
  INT_ACK: 'write 1: clear done and error, withdraw the interrupt',
  CAPACITY: 'read: sectors on the device',
} as const satisfies Record<keyof typeof BLK, string>;

export const NIC_DOCS = {
  CTRL: 'bit 0 enable; nothing moves while it is 0',
  STATUS: 'bit 0 link up',
  ICR: `interrupt cause: ${bit(NIC_ICR_TXDW)} TX descriptor written back, ${bit(NIC_ICR_RXT)} packet received; **reading clears it**`,
  IMS: 'interrupt mask: the causes that raise the IRQ (**bit set = enabled**, the opposite of the PIC\'s mask)',
  TDBA: 'TX descriptor ring base (guest-physical)',
  TDLEN: 'TX ring length, in descriptors',
  TDH: 'TX head: the next descriptor the device sends (device-owned)',
  TDT: 'TX tail: writing it is the doorbell; the device sends every descriptor from TDH up to, not including, TDT',
  RDBA: 'RX descriptor ring base (guest-physical)',
  RDLEN: 'RX ring length, in descriptors',
  RDH: 'RX head: the next descriptor the device fills (device-owned)',
  RDT: 'RX tail: descriptors from RDH up to, not including, RDT are free buffers the guest gave the device',
  MAC_LO: 'the MAC address, low 4 bytes',
  MAC_HI: 'the MAC address, high 2 bytes',
} as const satisfies Record<keyof typeof NIC, string>;

const DEVICE_OF_PORT = (name: string) =>
  name.startsWith('PIC') ? 'interrupt controller' : name.startsWith('TIMER') ? 'timer' : name.startsWith('UART') ? 'UART' : name === 'POWEROFF' ? 'power-off' : 'self-test';

function registerTable(head: string, regs: Record<string, number>, docs: Record<string, string>, base = 0, width = 2): string[] {
  return [
    `| ${head} | register | what it does |`,
    '|---|---|---|',
    ...Object.entries(regs).map(([n, v]) => `| ${hex(base + v, width)} | \`${n}\` | ${docs[n]!.replace(/\|/g, '\\|')} |`),
  ];
}

export function generateDevicesDoc(): string {
  const irq = Object.entries(IRQ).map(([n, l]) => `| ${l} | ${VEC.IRQ_BASE + l} (${hex(VEC.IRQ_BASE + l)}) | ${n.toLowerCase()} |`);
  const ports = Object.entries(PORT).map(([n, p]) => `| ${hex(p, 3)} | \`${n}\` | ${DEVICE_OF_PORT(n)} | ${PORT_DOCS[n as keyof typeof PORT].replace(/\|/g, '\\|')} |`);
  const out = [
    '# VX32 devices',
    '',
    '<!-- GENERATED from isa/abi.ts by `npm run gen` (isa/device-docs.ts) - do not edit; a test checks it is current. -->',
    '',
    'The devices of the simulated machine, as a kernel programs them: port numbers, MMIO offsets, bits',
    'and what each access does. Port I/O is `in rd, port` / `out port, rs` (16-bit port numbers, 32-bit',
    'values); the block device and the NIC are memory-mapped. The same constants are in the SDK\'s',
    '`sdk/include/vx32.inc` (generated from the same source). Under a VMM the devices behave the same;',
    'what changes is what each access costs ([hypervisor.md](hypervisor.md)).',
    '',
    '## Memory map',
    '',
    '| address | what |',
    '|---|---|',
    `| ${hex(MEMMAP.NULL_PAGE, 8)} | the null page: never loaded, so a null pointer faults once paging is on |`,
    `| ${hex(MEMMAP.KERNEL_BASE, 8)} | default origin of \`.text\` |`,
    `| up to ${MEMMAP.MAX_RAM / (1024 * 1024)} MiB | RAM (default ${MEMMAP.DEFAULT_RAM / (1024 * 1024)} MiB, \`--ram\`) |`,
    `| ${hex(MEMMAP.BLOCK_MMIO, 8)} | block device registers (${hex(MEMMAP.MMIO_SIZE)} bytes) |`,
    `| ${hex(MEMMAP.NIC_MMIO, 8)} | NIC registers (${hex(MEMMAP.MMIO_SIZE)} bytes) |`,
    '',
    '## I/O ports',
    '',
    '| port | register | device | what it does |',
    '|---|---|---|---|',
    ...ports,
    '',
    '## Interrupt controller',
    '',
    '16 prioritised lines, **line 0 the highest**. A device raises its line; the request stays latched',
    'until the CPU takes the interrupt (or the device withdraws it, e.g. when the guest consumed the cause',
    'by polling), so a burst of events before the kernel responds is one interrupt. A line is delivered',
    'when it is requested, **not masked (mask bit 0)**, allowed by the task priority (with `cr8 = t` only',
    'lines 0..15−t), interrupts are enabled (FLAGS.IF), and it has a higher priority than every line in',
    `service; delivery marks it in service and vectors to ${VEC.IRQ_BASE} + line. The handler ends it by writing`,
    `${hex(PIC_EOI)} to \`PIC_CMD\` (EOI), which ends the highest-priority line in service.`,
    '',
    '| line | vector | device |',
    '|---|---|---|',
    ...irq,
    '',
    '```',
    '    li   r1, 0xffff & ~(1 << 0)   ; mask every line but the timer (bit set = masked)',
    `    out  ${hex(PORT.PIC_MASK)}, r1`,
    '    ; ... in the interrupt handler:',
    `    li   r1, ${hex(PIC_EOI)}`,
    `    out  ${hex(PORT.PIC_CMD)}, r1                ; EOI`,
    '```',
    '',
    '## Timer',
    '',
    'Counts **guest instructions**, not wall time, so every run is deterministic (time idle in `hlt` counts',
    'too). Writing `TIMER_CTRL` with enable set loads the count from `TIMER_PERIOD`; when the count reaches',
    `zero the timer raises IRQ ${IRQ.TIMER} and, if periodic, reloads, else disables itself.`,
    '',
    '## UART',
    '',
    'Transmitted bytes go to the console (stdout of `vmlab run`); received bytes come from `--stdin`, given',
    'up front. Transmit is always ready and never interrupts. With the receive interrupt enabled',
    `(\`UART_CTRL\` bit 0) the UART raises IRQ ${IRQ.UART} whenever a byte is waiting: on enabling, and again after`,
    'each `UART_DATA` read that leaves more queued; when the queue runs dry the request is withdrawn.',
    '',
    '## Power-off and self-test ports',
    '',
    'A write to `POWEROFF` records the value as the guest\'s exit status and stops the machine (`vmlab run`',
    'reports it; the README says how it maps to vmlab\'s own exit code).',
    'Self-test kernels write case numbers to `TEST_PASS` / `TEST_FAIL`; `vmlab run --json` counts them.',
    '',
    '## Block device',
    '',
    `MMIO at ${hex(MEMMAP.BLOCK_MMIO, 8)}; ${BLK_SECTOR_SIZE}-byte sectors; data moves by DMA. A command runs to completion on the`,
    `\`CMD\` write (no simulated seek time), then sets \`STATUS\` done (plus error if it failed) and raises IRQ ${IRQ.BLOCK}.`,
    'It fails, moving nothing, on an unknown command, sectors past the capacity, or a DMA the IOMMU refuses.',
    'The disk is `--block FILE` (a private copy: the file is never written) or a zeroed disk.',
    '',
    ...registerTable('offset', BLK, BLK_DOCS),
    '',
    '## NIC',
    '',
    `An e1000-like NIC, MMIO at ${hex(MEMMAP.NIC_MMIO, 8)}: TX and RX rings of ${NIC_DESC.SIZE}-byte descriptors in guest memory,`,
    `DMA, interrupt cause and mask registers, IRQ ${IRQ.NIC}. A descriptor is addr (u32, offset ${NIC_DESC.ADDR}), len (u16, offset`,
    `${NIC_DESC.LEN}), cmd (u8, offset ${NIC_DESC.CMD}: ${bit(NIC_DESC_CMD_EOP)} EOP, end of packet), status (u8, offset ${NIC_DESC.STATUS}: ${bit(NIC_DESC_STATUS_DD)} DD, descriptor`,
    'done), then 8 reserved bytes.',
    '',
    '- **Transmit**: writing `TDT` rings the doorbell. The device walks descriptors from `TDH` up to `TDT`,',
    '  DMA-reads each buffer, sends a packet at each descriptor with EOP (buffers without EOP are',
    '  fragments of the next packet), writes DD into the descriptor and advances `TDH`; then sets',
    '  `ICR` TXDW and raises the IRQ if `IMS` enables it.',
    `- **Receive**: a packet (from \`--packet\`, or the other end of the wire) fills the descriptor at \`RDH\``,
    `  when \`RDH != RDT\`: the guest puts its buffer size in len (0 means ${NIC_MAX_PACKET}), the device DMA-writes the`,
    '  packet, writes its length and DD|EOP, advances `RDH`, sets `ICR` RXT and raises the IRQ. With no',
    '  free descriptor the packet is dropped and counted.',
    `- Packets are 1 to ${NIC_MAX_PACKET} bytes.`,
    '',
    ...registerTable('offset', NIC, NIC_DOCS),
    '',
    '## IOMMU',
    '',
    'Every device\'s DMA goes through a per-device IOMMU domain that remaps and fences it; the guest has',
    'no registers to program. Natively a domain is the identity, fenced to RAM. Under `--devices',
    'passthrough` (hw only) the NIC is mapped straight into one VM and its domain remaps the VM\'s',
    'guest-physical pages to the host pages backing them, with a writable bit per page. A DMA that',
    'touches any byte its domain does not allow fails as a whole (nothing copied or written; the block',
    'device reports an error, the NIC counts a DMA error) and counts as an IOMMU fault (`stats.devices.iommu`): a',
    'device can never write outside what its domain allows.',
    '',
  ];
  return `${out.join('\n')}\n`;
}
