// Package sensor is the sensor runtime: an actor tree that captures traffic,
// seals one batch per minute, spools it and sends it to the cloud.
//
//	sensor                      root supervisor (OneForOne, bounded restarts)
//	├── capture-<source>        one per NIC or file; owns its read loop and pipeline
//	├── batcher                 merges the sources' minutes into one batch per sensor-minute
//	├── uplink                  MQTT publisher draining the spool
//	├── health                  gopsutil sampler
//	├── modem                   LTE modem manager and data-usage meter (optional)
//	└── status                  local status page and LEDs (optional)
//
// Packets never travel as actor messages: each capture actor runs its
// source's read loop and pipeline in a goroutine it owns, and sends the
// batcher one message per sealed minute. The modem actor likewise runs
// the modem manager, whose serial I/O happens in goroutines of its own: a
// hung dongle only fails the modem actor, which supervision restarts and
// the manager answers with its next recovery step, while capture goes on.
package sensor
