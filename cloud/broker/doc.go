// Package broker is the cloud's MQTT side: the embedded mochi-mqtt broker
// that sensors connect to by default, with per-sensor credentials and topic
// ACLs, and a paho subscriber for deployments that use an external broker
// (Mosquitto, say). Both hand every batch to an Ingester and acknowledge it
// only once it is stored or rejected for good.
package broker
