// Package wire is the sensor → cloud contract: the versioned protobuf batch
// schema (batch.proto, generated into wirepb), its zstd envelope, and the
// MQTT topic layout. Both the sensor's uplink and the cloud's ingest use it,
// so a change here is a change to a deployed protocol: fields are only added.
//
// Schema 2 (the current one) sends a minute's flows as FlowColumns (see
// columns.go) instead of a list of Flow messages; Codec.Encode writes them
// and Codec.Decode turns them back into Batch.flows, so code on either side
// sees flows one way. Decode accepts every schema up to CurrentSchema, so a
// cloud reads sensors that have not been updated yet.
package wire
