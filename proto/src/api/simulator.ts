/** @auxctl/proto/simulator: SimulatorService (faults and guests of simulated devices). */

export * from '../gen/auxctl/v1/simulator_service.js';
