// Package portaltest signs in to a running portal through its login form,
// as a person would, and reads its JSON API: the end-to-end tests of the
// cloud and of the binary use it to check what a customer would see. Only
// tests import it.
package portaltest
