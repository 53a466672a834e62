/**
 * Images for containerd mode: registry pulls, archive imports, pull policy. Entry points:
 * {@link ImagePuller} (`ensureImage`, one per containerd namespace), {@link importImageArchive},
 * {@link RegistryClient}, {@link parseReference}. See docs/images.md.
 */
export { ImagePuller, type ImagePullerOptions, type EnsureImageCallOptions } from './image-puller.js';
export { importImageArchive, type ImportOptions, type ImportedImage } from './import-archive.js';
export { RegistryClient, type RegistryClientOptions } from './registry-client.js';
export { createCredentialLookup, type CredentialLookup, type RegistryCredential } from './credentials.js';
export { parseReference, type ImageReference } from './reference.js';
export { DEFAULT_REGISTRY_CA } from './transport.js';
export { deleteImageRecord } from './image-record.js';
