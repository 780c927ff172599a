// Resolving a grant reference and a byte range in the granted page, with every check a back-end owes the host.
//
// A back-end touches guest memory only here (and in the ring page, itself a grant): the range must lie
// inside one page the guest granted to this back-end, writable if the back-end is to write it. So a
// hostile reference, offset or length yields an error code, never an access outside the page.

import { HC_ERR, PAGE_MASK, PAGE_SIZE } from '../../../../isa/abi.js';
import type { BackendDomain } from './types.js';

/** A checked range: its guest-physical start, or the HC_ERR (positive) that refused it. */
export type GrantedRange = { readonly ok: true; readonly gpa: number } | { readonly ok: false; readonly error: number };

const refuse = (error: number): GrantedRange => ({ ok: false, error });

/** `len` bytes at `offset` in the page behind grant `ref`, for back-end `backend`; `write` if it will be written. */
export function grantedRange(
  dom: BackendDomain,
  backend: number,
  ref: number,
  offset: number,
  len: number,
  write: boolean,
): GrantedRange {
  if (!Number.isInteger(ref) || ref < 0) return refuse(HC_ERR.ENOENT);
  const g = dom.lookupGrant(ref);
  if (g === null) return refuse(HC_ERR.ENOENT);
  if (g.backend !== backend) return refuse(HC_ERR.EPERM);
  if (write && g.readonly) return refuse(HC_ERR.EPERM);
  // The grant table should only hold pages of the domain; check again rather than trust it.
  if ((g.page & PAGE_MASK) !== 0 || !dom.memory.contains(g.page, PAGE_SIZE)) return refuse(HC_ERR.EFAULT);
  // Offsets and lengths come from the guest as u32: compare without letting a sum wrap.
  if (offset < 0 || len < 0 || offset > PAGE_SIZE || len > PAGE_SIZE - offset) return refuse(HC_ERR.EINVAL);
  return { ok: true, gpa: g.page + offset };
}
