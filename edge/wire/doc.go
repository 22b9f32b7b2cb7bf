// Package wire is the sensor → cloud contract: the versioned protobuf batch
// schema (batch.proto, generated into wirepb), its zstd envelope, and the
// MQTT topic layout. Both the sensor's uplink and the cloud's ingest use it,
// so a change here is a change to a deployed protocol: fields are only added.
//
// Schema 2 sends a minute's flows as FlowColumns (see columns.go) instead
// of a list of Flow messages. Schema 3 (the current one) sends OT events
// and devices as columns too (otcolumns.go, devcolumns.go), sharing the
// flow columns' address and MAC tables, with flow times in milliseconds
// and every other time in whole seconds. Codec.Encode writes the columns
// and Codec.Decode turns them back into Batch.flows, ot_events and
// devices, so code on either side sees one layout. Decode accepts every schema up to CurrentSchema, so a
// cloud reads sensors that have not been updated yet.
package wire
