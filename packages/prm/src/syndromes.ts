/**
 * Syndromes of the modelled firmware.
 *
 * Real firmware returns a 32-bit syndrome with every failed command that
 * only its vendor can decode. This model's syndromes are documented here
 * instead, so a test, a log line or an operator can tell exactly which rule
 * a command broke. The high byte names the area; the rest numbers the rule.
 *
 * They are part of the hardware interface, not of the simulator: the
 * simulator (@auxctl/sim) returns them and a driver may branch on them
 * (ctl-aux's coredump tells UID_LACKS_CAP from a device without inline
 * dumps), so both take them from here.
 *
 * | area | syndrome    | status         | meaning |
 * |------|-------------|----------------|---------|
 * | cmd  | 0x01000001  | BAD_OP         | unknown opcode |
 * | cmd  | 0x01000002  | BAD_INP_LEN    | inbox shorter than the command's layout |
 * | cmd  | 0x01000003  | BAD_OUTP_LEN   | outbox shorter than the command's layout |
 * | cmd  | 0x01000004  | BAD_PARAM      | op_mod not valid for this command |
 * | cmd  | 0x01000005  | BAD_PARAM      | a field has a value outside its range |
 * | cmd  | 0x01000006  | BAD_SYS_STATE  | command not valid in the HCA's current state |
 * | cmd  | 0x01000007  | INT_ERR        | simulator bug (handler threw unexpectedly) |
 * | cmd  | 0x01000008  | forced         | status/syndrome forced by fault injection |
 * | cmd  | 0x01000009  | INT_ERR        | firmware halted by a fatal error (until reset) |
 * | uid  | 0x02000001  | BAD_PARAM      | the uid lacks a capability the command needs |
 * | uid  | 0x02000002  | BAD_PARAM      | the uid does not exist |
 * | uid  | 0x02000003  | BAD_RES_STATE  | the uid still owns objects |
 * | uid  | 0x02000004  | BAD_PARAM      | the uid is not allowed to use this command |
 * | obj  | 0x03000001  | BAD_RES        | no object with that id |
 * | obj  | 0x03000002  | BAD_RES        | the object belongs to another uid |
 * | obj  | 0x03000003  | RES_BUSY       | the object is still referenced by another object |
 * | obj  | 0x03000004  | LIM            | object table (or log_max_*) limit reached |
 * | mem  | 0x04000001  | BAD_PARAM      | umem/MTT page address not mapped for DMA |
 * | mem  | 0x04000002  | BAD_PARAM      | access outside the umem / mkey range |
 * | mem  | 0x04000003  | BAD_PARAM      | umem size or page offset invalid |
 * | mem  | 0x04000004  | BAD_PARAM      | mkey lacks the access right (local write) the device needs |
 * | reg  | 0x05000001  | BAD_PARAM      | unknown register id |
 * | reg  | 0x05000002  | BAD_PARAM      | register does not support this access (read / write) |
 * | reg  | 0x05000003  | BAD_PARAM      | register field invalid (port, group, segment, type) |
 * | reg  | 0x05000004  | BAD_PARAM      | dump continuation (cookie / seq_num) does not match |
 * | reg  | 0x05000005  | BAD_INP_LEN    | register data in the inbox shorter than the register's layout |
 * | reg  | 0x05000006  | BAD_OUTP_LEN   | outbox too small for the register's reply |
 * | reg  | 0x05000007  | BAD_RES_STATE  | trace control written by a uid that does not own the tracer |
 * | diag | 0x06000001  | BAD_PARAM      | unknown diagnostic counter id |
 * | diag | 0x06000002  | BAD_RES_STATE  | diagnostic counters not enabled |
 * | queue| 0x07000001  | BAD_QP_STATE   | QP transition not valid from the QP's current state |
 * | queue| 0x07000002  | BAD_RES_STATE  | SQ/RQ modify: current state mismatch or transition not allowed |
 * | queue| 0x07000003  | BAD_PARAM      | QP service type other than RC |
 * | queue| 0x07000004  | BAD_PARAM      | ring size out of range (log size above log_max_*_sz, or 0 entries) |
 * | queue| 0x07000005  | BAD_PARAM      | ring pages (pas) missing, not one contiguous DMA mapping, or doorbell record not mapped |
 * | queue| 0x07000006  | BAD_PARAM      | CQE size, WQ type or TIR dispatch type not modelled |
 * | queue| 0x07000007  | BAD_PARAM      | address path names a port the device does not have |
 * | queue| 0x07000008  | BAD_RES_STATE  | VIRTIO_NET_Q fields other than the state modified outside INIT / SUSPEND |
 * | vport| 0x08000001  | BAD_PARAM      | other_vport / vport_number other than the function's own vport (or a vport of an enabled SF it hosts) |
 * | func | 0x09000001  | BAD_PARAM      | function_id names no enabled sub-function of this function |
 * | mig  | 0x0a000001  | BAD_PARAM      | VHCA migration command from a function that is not a vhca_resource_manager |
 * | mig  | 0x0a000002  | BAD_PARAM      | vhca_id names no enabled VF of this function |
 * | mig  | 0x0a000003  | BAD_PARAM      | the VF is not migratable (its port function says so) |
 * | mig  | 0x0a000004  | BAD_RES_STATE  | suspend / resume out of order, or SAVE / LOAD in the wrong suspension state |
 * | mig  | 0x0a000005  | BAD_PARAM      | SAVE buffer (`size`) smaller than the image |
 * | mig  | 0x0a000006  | BAD_PARAM      | LOAD image corrupt or truncated (magic, version, lengths, digest, sections, references) |
 * | mig  | 0x0a000007  | BAD_PARAM      | LOAD image of a function with other capabilities |
 * | mig  | 0x0a000008  | BAD_PARAM      | incremental image out of order (stream / sequence) |
 * | mig  | 0x0a000009  | BAD_RES_STATE  | full image loaded into a function that has objects (or already loaded one) |
 *
 * Owns: the syndrome values. Never: which rule a command broke (the
 * firmware model decides).
 */
export const Syndrome = {
  UNKNOWN_OPCODE: 0x0100_0001,
  SHORT_INBOX: 0x0100_0002,
  SHORT_OUTBOX: 0x0100_0003,
  BAD_OP_MOD: 0x0100_0004,
  BAD_FIELD: 0x0100_0005,
  BAD_HCA_STATE: 0x0100_0006,
  INTERNAL: 0x0100_0007,
  FORCED: 0x0100_0008,
  FW_HALTED: 0x0100_0009,
  UID_LACKS_CAP: 0x0200_0001,
  UID_UNKNOWN: 0x0200_0002,
  UID_HAS_OBJECTS: 0x0200_0003,
  UID_NOT_ALLOWED: 0x0200_0004,
  OBJ_NOT_FOUND: 0x0300_0001,
  OBJ_OTHER_UID: 0x0300_0002,
  OBJ_BUSY: 0x0300_0003,
  OBJ_LIMIT: 0x0300_0004,
  MEM_NOT_MAPPED: 0x0400_0001,
  MEM_OUT_OF_RANGE: 0x0400_0002,
  MEM_BAD_SIZE: 0x0400_0003,
  MEM_ACCESS_DENIED: 0x0400_0004,
  REG_UNKNOWN: 0x0500_0001,
  REG_BAD_ACCESS: 0x0500_0002,
  REG_BAD_FIELD: 0x0500_0003,
  REG_BAD_CONTINUATION: 0x0500_0004,
  REG_SHORT_DATA: 0x0500_0005,
  REG_SHORT_OUTBOX: 0x0500_0006,
  REG_NOT_OWNER: 0x0500_0007,
  DIAG_UNKNOWN_COUNTER: 0x0600_0001,
  DIAG_NOT_ENABLED: 0x0600_0002,
  QP_BAD_STATE: 0x0700_0001,
  QUEUE_BAD_STATE: 0x0700_0002,
  QP_BAD_TYPE: 0x0700_0003,
  RING_BAD_SIZE: 0x0700_0004,
  RING_NOT_MAPPED: 0x0700_0005,
  QUEUE_NOT_MODELLED: 0x0700_0006,
  BAD_PORT: 0x0700_0007,
  VIRTQ_FIELDS_LOCKED: 0x0700_0008,
  VPORT_OTHER: 0x0800_0001,
  FUNCTION_UNKNOWN: 0x0900_0001,
  MIG_NOT_MANAGER: 0x0a00_0001,
  MIG_VHCA_UNKNOWN: 0x0a00_0002,
  MIG_NOT_MIGRATABLE: 0x0a00_0003,
  MIG_BAD_STATE: 0x0a00_0004,
  MIG_BUF_TOO_SMALL: 0x0a00_0005,
  MIG_IMAGE_BAD: 0x0a00_0006,
  MIG_IMAGE_CAPS: 0x0a00_0007,
  MIG_IMAGE_SEQUENCE: 0x0a00_0008,
  MIG_DEST_NOT_EMPTY: 0x0a00_0009,
} as const;
