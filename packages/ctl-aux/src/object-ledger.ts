/**
 * ObjectLedger: the firmware objects a ctl context created for itself
 * through rpc() (PDs and mkeys, see SCOPE_TABLE `tracks`), so that close()
 * can destroy them, newest first (an mkey before the PD it names).
 *
 * Only commands that firmware completed with status OK change the ledger:
 * a create records the id from the outbox, a destroy forgets the id from
 * the inbox.
 *
 * Owns: the list. Never: sends anything.
 */

import { buildInbox } from '@auxctl/core';
import { AllocPdOut, CreateMkeyOut, DeallocPdIn, DestroyMkeyIn, Op } from '@auxctl/prm';
import type { ScopeRule, TrackedObject } from './scope-table.js';

interface Entry {
  readonly type: TrackedObject;
  readonly id: number;
}

/** ObjectLedger: see the module header. */
export class ObjectLedger {
  private readonly entries = new Map<string, Entry>();

  /** size: objects recorded. */
  get size(): number {
    return this.entries.size;
  }

  /** note: apply a command that completed with status OK. */
  note(rule: ScopeRule, inbox: Buffer, outbox: Buffer): void {
    const t = rule.tracks;
    if (!t) return;
    if (t.action === 'create') {
      const id =
        t.type === 'PD' ? AllocPdOut.get(outbox, 'pd') : CreateMkeyOut.get(outbox, 'mkey_index');
      this.entries.set(`${t.type}:${id}`, { type: t.type, id });
    } else {
      const id =
        t.type === 'PD' ? DeallocPdIn.get(inbox, 'pd') : DestroyMkeyIn.get(inbox, 'mkey_index');
      this.entries.delete(`${t.type}:${id}`);
    }
  }

  /** destroyInboxes: the commands that destroy every recorded object, newest first. */
  destroyInboxes(): Buffer[] {
    return [...this.entries.values()]
      .reverse()
      .map((e) =>
        e.type === 'PD'
          ? buildInbox(DeallocPdIn, Op.DEALLOC_PD, { pd: e.id })
          : buildInbox(DestroyMkeyIn, Op.DESTROY_MKEY, { mkey_index: e.id }),
      );
  }

  /** clear: forget everything (the uctx, and with it every object, is gone). */
  clear(): void {
    this.entries.clear();
  }
}
