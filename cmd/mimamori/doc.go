// Command mimamori is the one binary of Mimamori: the sensor, the cloud, the
// offline analyzer and the all-in-one demo.
package main
