// Package eol knows when operating systems and controller firmware leave
// vendor support, and judges an estimated OS against that (the data behind
// the vulnerable-device detector, D1-2).
//
// The table is dated product by product. An OS estimate often names a
// range ("Windows 7 or 8", "Windows 10 or 11"); it is out of support only
// when every product it may be is, partly out when some are.
package eol
