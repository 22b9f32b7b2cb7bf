// Package uplink publishes spooled batches to the cloud's MQTT broker with
// paho, oldest first, one at a time at QoS 1, and removes each from the spool
// only after the broker's PUBACK. Together with the spool this makes delivery
// at-least-once and in order; the cloud dedupes by (sensor, seq).
//
// While the client is not connected the pump waits for it rather than
// counting failures; why it cannot connect (the network, or the broker
// refusing the sensor's credentials, which retrying will not mend) is
// logged once per reason and kept in Status for the status page.
package uplink
