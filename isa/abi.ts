// The VX32 ABI: memory map, flags, trap vectors, control registers, ports, device registers and exit reasons.
// Every other module (CPU, devices, hypervisor, SDK .inc generator, docs) reads its numbers from here.

/** Page geometry: two-level paging, 4 KiB pages, 1024 entries per table. */
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_MASK = PAGE_SIZE - 1;
/** A virtual address is a page-directory index (bits 22-31), a page-table index (bits 12-21) and an offset. */
export const PD_SHIFT = 22;
export const PT_ENTRIES = 1024;
/** Bytes per page-table entry. */
export const PTE_SIZE = 4;

/** General registers r0..r15; r15 is the stack pointer (`sp`), the one traps and `iret` use. */
export const REGISTER_COUNT = 16;
export const SP = 15;

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
export const IRQ_LINES = 16;
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
/** UART_CTRL bit 0: raise IRQ.UART while a received byte is waiting. */
export const UART_CTRL_RX_INT = 1 << 0;
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
export const NIC_CTRL_ENABLE = 1 << 0;
export const NIC_STATUS_LINK_UP = 1 << 0;
export const NIC_ICR_TXDW = 1 << 0; // a TX descriptor was written back
export const NIC_ICR_RXT = 1 << 1; // a packet was received
/** Descriptor layout: addr u32, len u16, cmd u8, status u8, then 8 reserved bytes. */
export const NIC_DESC = { ADDR: 0, LEN: 4, CMD: 6, STATUS: 7, SIZE: 16 } as const;
export const NIC_DESC_STATUS_DD = 1 << 0; // descriptor done
/**
 * TX: the packet this descriptor belongs to was dropped, not sent: together with the fragments before it
 * it was longer than NIC_MAX_PACKET, or one of its buffers could not be read. Every descriptor from the
 * one where the drop was seen up to the packet's end-of-packet descriptor gets it (with DD).
 */
export const NIC_DESC_STATUS_ERR = 1 << 1;
export const NIC_DESC_CMD_EOP = 1 << 0;
/** Longest packet the NIC sends or receives; also what it buffers of a packet whose end has not come yet. */
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

/**
 * Exit codes of the `vmlab` CLI. A guest's power-off status is passed through as 0..62, and 63 stands
 * for 63 or more (guestExitCode); vmlab's own conditions are 64 and up (64..73 as BSD's sysexits.h
 * begins them), so no guest status can be mistaken for one, and none wraps into one.
 */
export const EXIT_CODE = {
  OK: 0,
  /** A guest that powered off with this status or more exits with it; the status itself is on stderr and in --json. */
  GUEST_STATUS_MAX: 63,
  USAGE: 64,
  ASSEMBLY: 65,
  /** A bad or corrupt image, or a snapshot that is truncated, corrupt or of another version. */
  BAD_IMAGE: 66,
  /** A device or technique the image cannot use (e.g. a non-PV image under `pv`, a taken passthrough device). */
  CONFIG: 67,
  /** A technique diverged silently from native, as Popek & Goldberg predict for VX32. */
  DIVERGED: 68,
  /** The instruction limit (--max-instructions) was reached. */
  LIMIT: 69,
  /** A vmlab bug: an error no input should cause. */
  INTERNAL: 70,
  /** The guest crashed (triple fault). */
  CRASH: 71,
  /** `vmlab test`: the suite ran and at least one check failed. */
  CHECKS_FAILED: 72,
  /** `vmlab test`: the exercise's suite.ts is missing, does not load, or is not a suite. */
  BAD_SUITE: 73,
  /** `vmlab run --migrate-to` / `vmlab receive`: the VM did not move (it ran to its end on the source). */
  MIGRATION_FAILED: 74,
} as const;

/** The exit code for a guest that powered off with `status` (read as unsigned 32 bits): itself up to 62, else 63. */
export function guestExitCode(status: number): number {
  const s = status >>> 0;
  return s < EXIT_CODE.GUEST_STATUS_MAX ? s : EXIT_CODE.GUEST_STATUS_MAX;
}

// ---------------------------------------------------------------------------------------------------
// Paravirtual ABI (technique `pv`). A PV kernel runs in ring 1 and asks the VMM for privileged work
// with `hcall`: number in r0, arguments in r1..r5, result in r0 (>= 0 success, < 0 a negated HC_ERR).
// ---------------------------------------------------------------------------------------------------

/** Hypercall numbers. The VMM dispatches through a bounds-checked table indexed by these. */
export const HC = {
  /** r1 = guest-virtual buffer, r2 = length (<= HC_CONSOLE_MAX). Returns the bytes written. */
  CONSOLE_WRITE: 0,
  /** Returns PV_VERSION. */
  VERSION: 1,
  /** Returns the PV_FEATURE bits the VMM offers. */
  FEATURES: 2,
  /** r1 = guest-virtual address of a 256-word virtual vector table (same layout as the IVT), r2 = event upcall handler. */
  SET_TRAP_TABLE: 3,
  /** r1 = guest-virtual array of MMU_REQ entries, r2 = count. Returns how many were applied, or an error. */
  MMU_UPDATE: 4,
  /** r1 = guest-virtual address, r2 = new PTE (machine frame | bits), r3 = UVM_* flags. */
  UPDATE_VA_MAPPING: 5,
  /** r1 = machine address of a page directory to switch to (validated, then pinned). */
  NEW_BASEPTR: 6,
  /** r1 = kernel stack pointer loaded when a trap enters the kernel from ring 3 (the PV cr4). */
  STACK_SWITCH: 7,
  /** r1 = timer period in guest instructions (0 stops it), r2 = 1 for periodic. Ticks arrive as VIRQ.TIMER. */
  SET_TIMER: 8,
  SCHED_YIELD: 9,
  /** Unmask events and wait until one is pending (the PV `sti; hlt`). */
  SCHED_BLOCK: 10,
  /** r1 = EVT_BIND kind, r2 = which (a VIRQ or a BACKEND id). Returns the port. */
  EVTCHN_BIND: 11,
  /** r1 = port: notify the far end. */
  EVTCHN_SEND: 12,
  EVTCHN_MASK: 13,
  /** r1 = port; an event that became pending while masked is delivered on unmask. */
  EVTCHN_UNMASK: 14,
  /** r1 = pseudo-physical page address the caller owns, r2 = BACKEND id, r3 = GRANT_* flags. Returns a grant reference. */
  GRANT: 15,
  /** r1 = grant reference. */
  GRANT_REVOKE: 16,
  /** r1 = guest-virtual array of MULTICALL entries, r2 = count. Each entry's result is written back. */
  MULTICALL: 17,
  /** r1 = exit status. Does not return. */
  SHUTDOWN: 18,
  /**
   * Return from a virtual trap or upcall, as `iret`: [sp] holds the r0 to restore (the caller pushed it to
   * free r0 for the number, as Xen's iret hypercall does with eax), and the trap frame follows at sp + 4;
   * pc, flags (the IF bit becomes the event mask) and sp come from it. A return to ring 3 can use the
   * return gate instead (PV_VEC.USER_RETURN), with no exit.
   */
  IRET: 19,
  /**
   * r1 = BACKEND id, r2 = grant reference of the shared ring page (net: TX ring), r3 = event port, r4 = net RX ring grant.
   * Returns >= 0 on success (for BLOCK: the disk's capacity in sectors), else a negated HC_ERR.
   */
  DEVICE_CONNECT: 20,
} as const;
export type HypercallName = keyof typeof HC;
export const HC_COUNT = 21;
/** Longest single console_write. */
export const HC_CONSOLE_MAX = 4096;
/** Longest multicall and mmu_update batch. */
export const HC_BATCH_MAX = 256;

/** Error codes (returned negated in r0), numbered like their POSIX namesakes. */
export const HC_ERR = {
  EPERM: 1, // the caller may not do this (a foreign frame, a writable page table, a grant it does not own)
  ENOENT: 2, // no such port, grant or back-end
  E2BIG: 7, // a batch or length over its limit
  EFAULT: 14, // a pointer argument outside the caller's memory
  EBUSY: 16, // the resource is already bound or connected
  EINVAL: 22, // a malformed argument
  ENOSPC: 28, // no free port or grant slot
  ENOSYS: 38, // no such hypercall
} as const;

export const PV_VERSION = 0x0001_0000;
export const PV_FEATURE = {
  /** mmu_update and update_va_mapping: guest page tables hold machine frames (`direct` memory). */
  DIRECT_PAGING: 1 << 0,
  EVTCHN: 1 << 1,
  SPLIT_DEVICES: 1 << 2,
  MULTICALL: 1 << 3,
  /**
   * The domain may map the VM's emulated device registers (MEMMAP.BLOCK_MMIO, NIC_MMIO) in its page
   * tables; each access traps to the VMM's device model (`--devices emulated`). Without it only its RAM.
   */
  DEVICE_MMIO: 1 << 4,
} as const;

/** update_va_mapping flags. */
export const UVM = {
  /** Invalidate the TLB entry for the address. */
  INVLPG: 1 << 0,
} as const;

/** mmu_update request: 8 bytes. The low 2 bits of PTR select the command (PTRs are 4-byte aligned). */
export const MMU_REQ = { PTR: 0, VAL: 4, SIZE: 8 } as const;
export const MMU_CMD = {
  /** *PTR (a machine address of a PTE in one of the caller's page-table pages) = VAL, validated. */
  NORMAL_PT_UPDATE: 0,
  /** PTR = machine address of a page the caller wants used as a page table (checked, then read-only to it). */
  PIN_TABLE: 1,
  /** PTR = machine address of a pinned table (either level) the caller no longer uses as one. */
  UNPIN_TABLE: 2,
  /**
   * PTR = machine address of a page the caller wants used as a page directory: every present entry must
   * name one of its page tables (pinned here if it is not yet). `new_baseptr` pins a directory itself.
   */
  PIN_DIRECTORY: 3,
} as const;

/** multicall entry: a hypercall number, five arguments and the result, 7 words. */
export const MULTICALL = { OP: 0, ARGS: 4, RESULT: 24, SIZE: 28 } as const;

/**
 * Start-of-day information. At boot a PV kernel runs with paging off (pseudo-physical addresses) and
 * r1 holds the pseudo-physical address of this page, which the VMM fills in.
 */
export const START_INFO = {
  MAGIC: 0,
  /** Pages of RAM the domain owns (pseudo-physical 0 .. NR_PAGES*4096). */
  NR_PAGES: 4,
  /** Machine address of pseudo-physical 0: a domain's RAM is contiguous, machine = pseudo-physical + base. */
  MACHINE_BASE: 8,
  /** Pseudo-physical address of the shared-info page. */
  SHARED_INFO: 12,
  /** Pages at the top of RAM the VMM reserved (start info, shared info); the kernel must not allocate them. */
  RESERVED_PAGES: 16,
  SIZE: 20,
} as const;
export const PV_START_MAGIC = 0x5658_5056; // "VPXV"

/**
 * The shared-info page, one per PV domain, written by both sides. Masking events is a plain store to
 * UPCALL_MASK: no exit, unlike `cli` under trap-and-emulate.
 */
export const SHINFO = {
  /** Non-zero: event upcalls are masked (the virtual IF is 0). */
  UPCALL_MASK: 0,
  /** Non-zero: an unmasked event is pending; the VMM sets it and the guest clears it in its upcall. */
  UPCALL_PENDING: 4,
  /** Bit p: port p has a pending event. */
  EVT_PENDING: 8,
  /** Bit p: port p is masked. */
  EVT_MASK: 12,
  /** System time: guest instructions retired, low and high words. */
  TIME_LO: 16,
  TIME_HI: 20,
  /** The faulting address of the last page fault the VMM reflected (a PV kernel cannot read cr2). */
  CR2: 24,
  SIZE: 28,
} as const;
/**
 * Vectors with a PV meaning. UPCALL is the vector word of an event upcall's frame (upcalls are not in the
 * trap table). USER_RETURN is the machine's return gate: `int PV_VEC_USER_RETURN` in the PV kernel (ring 1)
 * pops a trap frame whose CPL is 3 and returns to the user task without the VMM (docs/vx32.md).
 */
export const PV_VEC = { UPCALL: 0xff, USER_RETURN: 0x81 } as const;
/** The ring a PV kernel runs in. */
export const PV_KERNEL_RING = 1;
/** The iret hypercall's stack at sp: the r0 to restore, then the trap frame (HC.IRET). */
export const PV_IRET = { R0: 0, FRAME: 4 } as const;

/** Event-channel ports per domain (one pending bit each). */
export const EVTCHN_PORTS = 32;

/** What an event channel is bound to. */
export const EVT_BIND = { VIRQ: 0, BACKEND: 1 } as const;
/** Virtual interrupts the VMM raises. */
export const VIRQ = { TIMER: 0, CONSOLE_IN: 1 } as const;
/** Back-ends in the VMM (hosted model) a front-end connects to. */
export const BACKEND = { CONSOLE: 0, BLOCK: 1, NET: 2 } as const;
/** grant flags. */
export const GRANT_FLAG = { READONLY: 1 << 0 } as const;
/** Grant slots per domain. */
export const GRANT_MAX = 64;

/**
 * A split-driver shared ring (one page), after Xen's ring.h: producer indices only grow (slot =
 * index mod RING_SLOTS); the consumer asks to be notified when the producer passes *_EVENT, so one
 * notification covers a batch.
 */
export const RING = {
  REQ_PROD: 0,
  REQ_EVENT: 4,
  RSP_PROD: 8,
  RSP_EVENT: 12,
  /** Slot 0 starts here; each slot is RING_SLOT_SIZE bytes and holds a request, later overwritten by its response. */
  SLOT0: 64,
} as const;
export const RING_SLOTS = 32;
export const RING_SLOT_SIZE = 32;

/** Block request and response (in a ring slot). The data page is granted to the back-end. */
export const BLKIF_REQ = { ID: 0, OP: 4, SECTOR: 8, COUNT: 12, GREF: 16, OFFSET: 20 } as const;
export const BLKIF_RSP = { ID: 0, STATUS: 4 } as const;
export const BLKIF_OP = { READ: 1, WRITE: 2 } as const;
/** Net TX request (a packet to send) and RX request (an empty buffer to fill); responses carry id, status, length. */
export const NETIF_REQ = { ID: 0, GREF: 4, OFFSET: 8, LEN: 12 } as const;
export const NETIF_RSP = { ID: 0, STATUS: 4, LEN: 8 } as const;
/** Response status: 0 = done, else a negated HC_ERR. */
export const IF_STATUS_OK = 0;

/**
 * The console ring page: the front-end produces output bytes into OUT and consumes input bytes from IN
 * (Xen's console interface), with free-running indices.
 */
export const CONSRING = { OUT_PROD: 0, OUT_CONS: 4, IN_PROD: 8, IN_CONS: 12, OUT: 64, IN: 64 + 2048 } as const;
export const CONSRING_OUT_SIZE = 2048;
export const CONSRING_IN_SIZE = 1024;
