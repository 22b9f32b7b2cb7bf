// Package status is what the field technician sees on the sensor (E5): a
// local status page and the status LED.
//
// The sensor gathers a Snapshot — host health, each capture port, the
// LTE modem and this month's data, the cloud uplink, the clock, software
// versions, the supervision tree — and Evaluate judges it line by line:
// green (ok), blinking green (pending: still coming up), amber (warn:
// working, but look at this) or red (fault: needs action), each with the
// reason in plain Japanese and English and, when there is something to
// do, a hint saying what. Things that are still starting count as pending
// for a grace period (3 min by default: about what a dongle needs from
// power-on to data) measured from the sensor's start, or from the moment
// the LTE link went down.
//
// The worst line decides the LED:
//
//	solid green     everything works
//	blinking green  connecting
//	solid amber     working, but check something (no mirrored traffic, weak signal, clock)
//	solid red       needs action (no SIM, no dongle, cable out, registration denied)
//	off             no power, or the software is not running
//
// The page is server-rendered HTML with embedded CSS and no scripts or
// external assets, readable at 360 px, refreshing itself every few
// seconds; ?lang=en or ja, else Accept-Language, else Japanese. The
// problem lines come first; the LED legend is on the page so nobody needs
// the manual. /status.json serves the same lines and the snapshot (with
// the IMSI masked). The page is read-only and has no login; it answers
// on the management port, since mirror ports carry no address.
//
// LEDs drives the light: Sysfs writes the Linux LED class
// (/sys/class/leds/<name>/trigger, brightness, and the timer trigger's
// delay_on/delay_off for blinking, with a software blink where the timer
// trigger is missing); a bicolor LED shows amber as red and green
// together. Recorder is the test implementation.
//
// The clock verdict comes from adjtimex(2), read-only: the kernel's NTP
// state, which chrony, systemd-timesyncd and ntpd all maintain, so no
// particular daemon is assumed.
package status
