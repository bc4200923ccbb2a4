/** @auxctl/proto/devices: DeviceService (list, watch, health) and the Device messages. */

export * from '../gen/auxctl/v1/device.js';
export * from '../gen/auxctl/v1/device_service.js';
