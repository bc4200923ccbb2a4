/**
 * Dumps: CtlService.Coredump and ResourceDump — capture once into the dump
 * store, stream with backpressure, resume from an offset.
 */

export { type DeviceLossWatch, watchDeviceLoss } from '../devices/device-loss.js';
export {
  abortErrorOf,
  type CapturedDump,
  type CaptureTarget,
  captureWith,
  checkResourceDumpTarget,
  type ResourceDumpTarget,
  type SegmentChoice,
  takeCoredump,
  takeResourceDump,
} from './dump-capture.js';
export {
  type CaptureMode,
  captureModeOf,
  chunkFrame,
  type DumpFrame,
  headerFrame,
  trailerFrame,
  wireModeOf,
} from './dump-frames.js';
export { type DumpMetrics, DumpService, type DumpServiceOptions } from './dump-service.js';
export { DumpStreamer, type DumpStreamStats, type FrameSink } from './dump-streamer.js';
