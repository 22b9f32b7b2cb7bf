// Package oui names the maker of a network interface from its MAC
// address (V1-4, V4-6).
//
// The table is the IEEE registry as Debian's ieee-data package ships it:
// MA-L (24-bit), MA-M (28-bit), MA-S and IAB (36-bit) assignments, compiled
// by `make intel-data` into a gzip'd table embedded in the binary. Lookups
// take the longest registered prefix. An override file can correct or add
// registrations; it wins over the registry for the same prefix.
//
// Locally administered addresses (the U/L bit set: virtual machines,
// phones and laptops that randomise their MAC) name no manufacturer and are
// reported as such rather than looked up.
package oui
