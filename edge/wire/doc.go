// Package wire is the sensor → cloud contract: the versioned protobuf batch
// schema (batch.proto, generated into wirepb), its zstd envelope, and the
// MQTT topic layout. Both the sensor's uplink and the cloud's ingest use it,
// so a change here is a change to a deployed protocol: fields are only added.
package wire
