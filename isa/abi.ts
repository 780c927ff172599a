// The VX32 ABI: memory map, flags, trap vectors, control registers, ports, device registers and exit reasons.
// Every other module (CPU, devices, hypervisor, SDK .inc generator, docs) reads its numbers from here.

/** Page geometry: two-level paging, 4 KiB pages, 1024 entries per table. */
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_MASK = PAGE_SIZE - 1;

/** Guest-physical memory map. RAM starts at 0; MMIO lives far above any RAM size vmlab allows. */
export const MEMMAP = {
  /** The first page is never loaded so that a null pointer faults once paging is on. */
  NULL_PAGE: 0x0000_0000,
  /** Default origin of `.text` in an image. */
  KERNEL_BASE: 0x0000_1000,
  /** Default RAM of one machine or VM. */
  DEFAULT_RAM: 4 * 1024 * 1024,
  /** Largest RAM a VM may ask for. */
  MAX_RAM: 64 * 1024 * 1024,
  /** Start of the MMIO window; nothing at or above this is RAM. */
  MMIO_BASE: 0xff00_0000,
  BLOCK_MMIO: 0xff00_0000,
  NIC_MMIO: 0xff00_1000,
  MMIO_SIZE: 0x1000,
} as const;

/** FLAGS bits. Condition bits are set only by `cmp` and `test`. */
export const FLAGS = {
  Z: 1 << 0,
  S: 1 << 1,
  C: 1 << 2,
  O: 1 << 3,
  IF: 1 << 9,
  /** Bits 12-13 of a FLAGS word pushed by `pushf` or a trap hold the CPL at that moment; `iret` restores it. */
  CPL_SHIFT: 12,
  CPL_MASK: 3 << 12,
  /** The bits `popf` may change at CPL 0 (at CPL > 0 it silently leaves IF alone). */
  ARITH: (1 << 0) | (1 << 1) | (1 << 2) | (1 << 3),
} as const;

/** Control registers, by number as written in `mov crN, rs`. */
export const CR = {
  /** cr0: bit 0 PG enables paging. */
  CR0: 0,
  /** cr2: the faulting virtual address of the last page fault. */
  CR2: 2,
  /** cr3: physical address of the page directory (4 KiB aligned). Writing it flushes the TLB. */
  CR3: 3,
  /** cr4: the kernel stack pointer loaded on a trap from CPL > 0 (the role of x86's TSS.esp0). */
  CR4: 4,
  /** cr8: task priority. With cr8 = t, only IRQ lines 0..15-t are delivered (line 0 is the highest priority). */
  CR8: 8,
} as const;
export const CR_NUMBERS = [0, 2, 3, 4, 8] as const;
export const CR0_PG = 1 << 0;

/** Page-table entry bits (same in both levels, and in second-stage tables where U is ignored). */
export const PTE = {
  P: 1 << 0,
  W: 1 << 1,
  U: 1 << 2,
  A: 1 << 5,
  D: 1 << 6,
  FRAME_MASK: 0xffff_f000,
} as const;

/** Page-fault error code bits, pushed as the trap's error code. cr2 holds the address. */
export const PF_ERR = {
  /** 1 = protection violation on a present page; 0 = page not present. */
  P: 1 << 0,
  W: 1 << 1,
  /** The access was made at CPL 3. */
  U: 1 << 2,
  /** The access was an instruction fetch. */
  F: 1 << 3,
} as const;

/** Trap vectors. Entries 0..31 are exceptions, 32..47 are IRQ lines 0..15, `int n` may use 48..255. */
export const VEC = {
  DE: 0, // divide error
  BP: 3, // breakpoint (brk)
  UD: 6, // invalid opcode
  DF: 8, // double fault: a fault while delivering a fault
  GP: 13, // general protection: privileged instruction outside ring 0, bad iret, bad int vector, misalignment
  PF: 14, // page fault
  IRQ_BASE: 32,
  /** Lowest vector `int n` may name; lower ones would let software fake exceptions and IRQs. */
  SOFT_MIN: 48,
  SYSCALL: 0x80,
} as const;
export const VECTOR_COUNT = 256;

/**
 * A trap frame, pushed on the handler's stack (on cr4's stack when entering from CPL > 0).
 * Offsets from SP at handler entry. `iret` reads PC, FLAGS and SP from the frame at SP.
 */
export const FRAME = {
  VECTOR: 0,
  ERROR: 4,
  PC: 8,
  FLAGS: 12,
  SP: 16,
  SIZE: 20,
} as const;

/** IRQ lines on the interrupt controller. */
export const IRQ = {
  TIMER: 0,
  UART: 4,
  BLOCK: 5,
  NIC: 6,
} as const;

/** Port-I/O map (`in rd, port` / `out port, rs`). Ports are 16-bit, values 32-bit. */
export const PORT = {
  // interrupt controller
  PIC_CMD: 0x20, // write PIC_EOI to end the highest in-service interrupt
  PIC_MASK: 0x21, // read/write the mask: bit n set = line n masked
  PIC_PENDING: 0x22, // read: requested lines
  PIC_INSERVICE: 0x23, // read: lines in service
  // timer: counts guest instructions, so runs are deterministic
  TIMER_CTRL: 0x40, // bit 0 enable, bit 1 periodic
  TIMER_PERIOD: 0x41, // period in instructions
  TIMER_COUNT: 0x42, // read: instructions left until the next tick
  // UART console
  UART_DATA: 0x3f8, // write: transmit a byte; read: next received byte
  UART_STATUS: 0x3f9, // bit 0 receive ready, bit 1 transmit ready (always 1)
  UART_CTRL: 0x3fa, // bit 0 receive interrupt enable
  // power-off: writing the exit status stops the machine
  POWEROFF: 0x501,
  // in-guest self-test reporting
  TEST_PASS: 0x510, // write a case number that passed
  TEST_FAIL: 0x511, // write a case number that failed
} as const;
export const PIC_EOI = 0x20;
export const UART_STATUS_RX = 1 << 0;
export const UART_STATUS_TX = 1 << 1;
export const TIMER_ENABLE = 1 << 0;
export const TIMER_PERIODIC = 1 << 1;

/** Block device MMIO registers (offsets from MEMMAP.BLOCK_MMIO). Sectors are 512 bytes; data moves by DMA. */
export const BLK = {
  SECTOR: 0x00,
  DMA_ADDR: 0x04, // guest-physical buffer address
  COUNT: 0x08, // sectors
  CMD: 0x0c, // write BLK_CMD_READ or BLK_CMD_WRITE to start
  STATUS: 0x10, // BLK_STATUS_* bits
  INT_ACK: 0x14, // write 1 to clear the done interrupt
  CAPACITY: 0x18, // read: sectors on the device
} as const;
export const BLK_SECTOR_SIZE = 512;
export const BLK_CMD_READ = 1;
export const BLK_CMD_WRITE = 2;
export const BLK_STATUS_DONE = 1 << 0;
export const BLK_STATUS_ERROR = 1 << 1;

/**
 * e1000-like NIC MMIO registers (offsets from MEMMAP.NIC_MMIO). TX and RX rings of 16-byte
 * descriptors live in guest memory; writing a tail register is the doorbell.
 */
export const NIC = {
  CTRL: 0x00, // bit 0 enable
  STATUS: 0x04, // bit 0 link up
  ICR: 0x08, // interrupt cause; reading clears it
  IMS: 0x0c, // interrupt mask: causes that raise the IRQ
  TDBA: 0x10, // TX descriptor ring base (guest-physical)
  TDLEN: 0x14, // TX ring length in descriptors
  TDH: 0x18, // TX head (device-owned)
  TDT: 0x1c, // TX tail (doorbell)
  RDBA: 0x20,
  RDLEN: 0x24,
  RDH: 0x28,
  RDT: 0x2c,
  MAC_LO: 0x30,
  MAC_HI: 0x34,
} as const;
export const NIC_ICR_TXDW = 1 << 0; // a TX descriptor was written back
export const NIC_ICR_RXT = 1 << 1; // a packet was received
/** Descriptor layout: addr u32, len u16, cmd u8, status u8, then 8 reserved bytes. */
export const NIC_DESC = { ADDR: 0, LEN: 4, CMD: 6, STATUS: 7, SIZE: 16 } as const;
export const NIC_DESC_STATUS_DD = 1 << 0; // descriptor done
export const NIC_DESC_CMD_EOP = 1 << 0;
export const NIC_MAX_PACKET = 2048;

/**
 * Exit reasons of the virtualization extension (VT-x alike). An instruction's entry in the ISA
 * table names the reason it exits with when the per-VM control block asks for that reason.
 */
export const EXIT_REASONS = [
  'HLT',
  'IO',
  'CR_ACCESS',
  'DESC_TABLE',
  'INVLPG',
  'INTR_FLAG',
  'CPL_READ',
  'HCALL',
  'SOFT_INT',
  'EXCEPTION',
  'EXT_INTERRUPT',
  'INTERRUPT_WINDOW',
  'EPT_VIOLATION',
  'TRIPLE_FAULT',
] as const;
export type ExitReason = (typeof EXIT_REASONS)[number];

/** Exit codes of the `vmlab` CLI. */
export const EXIT_CODE = {
  OK: 0,
  USAGE: 2,
  ASSEMBLY: 3,
  BAD_IMAGE: 4,
  /** `trap` diverged silently from native, as Popek & Goldberg predict for VX32. */
  DIVERGED: 5,
  /** A device or technique the image cannot use (e.g. a non-PV image under `pv`, a taken passthrough device). */
  CONFIG: 6,
  LIMIT: 101,
  CRASH: 102,
} as const;
