/**
 * The parts of ethers that making and checking a signature needs (EIP-191 and EIP-712 hashing, with ENS name
 * normalisation; the signature class with the curve arithmetic; an address from a public key), loaded with
 * `import()` at the first signature or key read (vault-key-signer.ts, kms-key-vault.ts) so that a cold start does not
 * read them. A module of its own rather than `import('ethers/hash')`: a bundle keeps every export of a module loaded
 * whole, and a function that reaches ethers' barrels from its cold start would then read all of them there.
 */
export { Signature } from 'ethers/crypto';
export { hashMessage, TypedDataEncoder } from 'ethers/hash';
export { computeAddress } from 'ethers/transaction';
