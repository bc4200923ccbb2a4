/** @auxctl/proto/vdpa: VdpaService (management devices, vdpa devices, queues). */

export * from '../gen/auxctl/v1/vdpa_service.js';
