/** @auxctl/proto/migration: MigrationService (a VF's live state, out and in). */

export * from '../gen/auxctl/v1/migration_service.js';
