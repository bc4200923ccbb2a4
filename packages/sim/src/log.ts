/**
 * Logger: the simulator's structured logging seam.
 *
 * The simulated device logs what real firmware would put in its trace
 * (a handler that threw, a dropped completion) through a pino logger its
 * owner passes in; without one, events go nowhere. It is the same pino
 * logger type the driver packages accept, declared here so that the
 * simulator needs nothing from the driver side.
 */
import { pino } from 'pino';

/** Logger: the pino logger type every simulator component accepts. */
export type Logger = pino.Logger;

/** silentLogger: a logger that drops everything (the default). */
export const silentLogger: Logger = pino({ level: 'silent' });
