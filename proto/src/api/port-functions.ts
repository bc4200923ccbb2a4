/** @auxctl/proto/port-functions: PortFunctionService (sub-function ports). */

export * from '../gen/auxctl/v1/port_function_service.js';
