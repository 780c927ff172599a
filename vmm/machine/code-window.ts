// The code-cache window: the CPU extension binary translation runs on (as VMware used segment truncation).
//
// While the VMM has a window installed, every instruction fetch at CPL 1 comes from the window's
// pages (host-physical pages the VMM owns, reached at "translated addresses" from WINDOW_BASE on),
// never through the page tables. So the guest kernel, which runs at ring 1, executes only what the
// translator put there, and no guest mapping can ever reach the code cache. Translated code, and only
// it, may also use the window instructions (class 'window' in isa/table.ts, #UD anywhere else) on a small
// VMM-private data area: the virtual CPU state, scratch slots and the indirect-branch table. A guest
// cannot emit them: its own instructions are copied by the translator, which never copies an invalid
// opcode. Nothing here runs for a CPU with no window (native, trap, hw): the hot loop only asks for
// the window when a fetch leaves its page.
import { PAGE_SIZE } from '../../isa/abi.js';

/** Translated address of the first word of the window. */
export const WINDOW_BASE = 0xf000_0000;

export class CodeWindow {
  /** Host-physical byte address of each window page, -1 where none is allocated. */
  readonly pages: Int32Array;
  /** The VMM-private data area, in words (a power of two). */
  readonly data: Int32Array;
  /** The callout id of the last wcall / wcallnz that stopped the CPU. */
  callout = 0;
  /** Instructions declared by wskip so far: executed instructions minus this are the guest's. */
  overhead = 0;

  constructor(pageCount: number, dataWords: number) {
    if ((dataWords & (dataWords - 1)) !== 0) throw new Error('window data size must be a power of two');
    this.pages = new Int32Array(pageCount).fill(-1);
    this.data = new Int32Array(dataWords);
  }

  /** Host-physical byte address of translated address `pc`'s page, or -1 outside the window. */
  pageOf(pc: number): number {
    const i = ((pc - WINDOW_BASE) >>> 0) / PAGE_SIZE;
    if (i >= this.pages.length) return -1;
    return this.pages[i | 0]!;
  }
}
