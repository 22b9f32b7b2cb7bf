// Package wirepb holds the Go types generated from edge/wire/batch.proto by
// `make proto`. Do not edit the generated file; change the schema instead.
package wirepb
