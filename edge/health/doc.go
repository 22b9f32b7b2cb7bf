// Package health samples the sensor host's condition with gopsutil (E7):
// CPU, memory, the data disk, temperature, load and uptime. Every batch
// carries the latest sample so the cloud can spot a struggling sensor.
package health
