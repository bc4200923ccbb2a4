/**
 * User memory: CREATE_UMEM (0xa08), QUERY_UMEM (0xa09), DESTROY_UMEM (0xa0a).
 *
 * CREATE_UMEM checks the registration before it records anything: at least
 * one MTT entry, all of them in the inbox, pages of 4 KiB << log_page_size
 * (log_page_size <= 18, i.e. up to 1 GiB) aligned to the page size,
 * `page_offset` inside the first page, every page mapped in the device's
 * DmaSpace for its full size (else BAD_PARAM / MEM_NOT_MAPPED). Any live uid
 * may register memory (`umem_uid_0` lets the kernel too); the umem belongs to
 * it. A umem referenced by an MKEY cannot be destroyed (RES_BUSY / OBJ_BUSY).
 *
 * Owns: the handlers only.
 */

import {
  CmdOut,
  CmdStatus,
  CreateUmemIn,
  CreateUmemOut,
  DestroyUmemIn,
  MTT_BYTES,
  mttAddress,
  Op,
  QueryUmemIn,
  QueryUmemOut,
  Syndrome,
  Umem,
  writeMtt,
} from '@auxctl/prm';
import { FwError } from '../fw-error.js';
import { checkUmemPages, type UmemData } from '../memory-translation.js';
import { type CommandCall, type CommandSpec, type FwContext, INITIALIZED } from './command.js';

/** MAX_LOG_PAGE_SIZE: largest umem page the device accepts (4 KiB << 18 = 1 GiB). */
export const MAX_LOG_PAGE_SIZE = 18;

const badSize = (msg: string) => new FwError(CmdStatus.BAD_PARAM, Syndrome.MEM_BAD_SIZE, msg);

function createUmem(fw: FwContext, { inbox, outbox, uid }: CommandCall): void {
  const at = CreateUmemIn.byteOffset('umem');
  const logPage = Umem.get(inbox, 'log_page_size', at);
  const pageOffset = Umem.get(inbox, 'page_offset', at);
  const count = Umem.get64(inbox, 'num_of_mtt', at);
  if (count === 0n) throw badSize('a umem needs at least one MTT entry');
  if (BigInt(CreateUmemIn.bytes) + count * BigInt(MTT_BYTES) > BigInt(inbox.length)) {
    throw new FwError(
      CmdStatus.BAD_INP_LEN,
      Syndrome.SHORT_INBOX,
      `inbox too short for ${count} MTT entries`,
    );
  }
  if (logPage > MAX_LOG_PAGE_SIZE)
    throw badSize(`log_page_size ${logPage} above ${MAX_LOG_PAGE_SIZE}`);
  const pageBytes = 4096 * 2 ** logPage;
  if (pageOffset >= pageBytes)
    throw badSize(`page_offset ${pageOffset} not inside a ${pageBytes}-byte page`);
  const pages = Array.from({ length: Number(count) }, (_, i) =>
    mttAddress(inbox, CreateUmemIn.bytes + i * MTT_BYTES),
  );
  const misaligned = pages.find((p) => p % BigInt(pageBytes) !== 0n);
  if (misaligned !== undefined) {
    throw new FwError(
      CmdStatus.BAD_PARAM,
      Syndrome.BAD_FIELD,
      `MTT page 0x${misaligned.toString(16)} is not aligned to ${pageBytes} bytes`,
    );
  }
  const data: UmemData = {
    pageBytes,
    pageOffset,
    size: pages.length * pageBytes - pageOffset,
    pages,
  };
  checkUmemPages(fw.dma, data);
  const obj = fw.objects.create(
    'UMEM',
    uid,
    { log_page_size: logPage, page_offset: pageOffset, num_of_mtt: count },
    [],
    data,
  );
  CreateUmemOut.set(outbox, 'umem_id', obj.id);
}

function queryUmem(fw: FwContext, { inbox, outbox, uid }: CommandCall): void {
  const umem = fw.objects.lookup<UmemData>('UMEM', QueryUmemIn.get(inbox, 'umem_id'), uid);
  const at = QueryUmemOut.byteOffset('umem');
  Umem.write(
    outbox,
    {
      log_page_size: Number(umem.context.log_page_size),
      page_offset: umem.data.pageOffset,
      num_of_mtt: BigInt(umem.data.pages.length),
    },
    at,
  );
  // As many MTT entries as the outbox holds; num_of_mtt says how many exist.
  const room = Math.floor((outbox.length - QueryUmemOut.bytes) / MTT_BYTES);
  umem.data.pages.slice(0, room).forEach((p, i) => {
    writeMtt(outbox, QueryUmemOut.bytes + i * MTT_BYTES, p);
  });
}

/** umemCommands: see the module header. */
export const umemCommands: readonly CommandSpec[] = [
  {
    opcode: Op.CREATE_UMEM,
    in: CreateUmemIn,
    out: CreateUmemOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    run: createUmem,
  },
  {
    opcode: Op.QUERY_UMEM,
    in: QueryUmemIn,
    out: QueryUmemOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    toolsQuery: true,
    run: queryUmem,
  },
  {
    opcode: Op.DESTROY_UMEM,
    in: DestroyUmemIn,
    out: CmdOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    run: (fw, { inbox, uid }) => {
      fw.objects.destroy('UMEM', DestroyUmemIn.get(inbox, 'umem_id'), uid);
    },
  },
];
