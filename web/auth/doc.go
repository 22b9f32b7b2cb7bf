// Package auth holds the portal's credential primitives: argon2id password
// hashes in PHC string form and random session tokens of which only a
// SHA-256 digest is ever stored.
//
// The hash format is
//
//	$argon2id$v=19$m=65536,t=3,p=2$<salt>$<hash>
//
// with salt and hash in unpadded standard base64, as other argon2
// implementations write it, so hashes can be moved between tools.
package auth
