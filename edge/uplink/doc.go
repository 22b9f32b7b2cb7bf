// Package uplink publishes spooled batches to the cloud's MQTT broker with
// paho, oldest first, one at a time at QoS 1, and removes each from the spool
// only after the broker's PUBACK. Together with the spool this makes delivery
// at-least-once and in order; the cloud dedupes by (sensor, seq).
package uplink
