package firmware

// Version is the software version, set at link time by the Makefile
// (-X mimamori/firmware.Version=...). Builds without it report "dev".
var Version = "dev"
