/** @auxctl/proto/pci: PciService (SR-IOV VFs, driver binding). */

export * from '../gen/auxctl/v1/pci_service.js';
