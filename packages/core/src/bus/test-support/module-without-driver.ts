/** A module that an alias points at by mistake: it has no `auxiliaryDriver` export. */
export const somethingElse = 42;
