// Package modem manages the sensor's LTE USB dongle over its serial AT
// port (E4): it finds the port, checks SIM and network, brings the data
// session up, keeps it up, recovers a stuck modem, and meters the data
// the dongle's network interface carries (C4).
//
// # Talking AT
//
// Conn owns the port: one goroutine reads and splits lines, one writes,
// so every command waits on channels with a timeout and a modem that
// hangs (or a driver that never finishes a write) costs a timeout, never
// a stuck caller. A response ends at a final result code (OK, ERROR,
// +CME ERROR, +CMS ERROR, NO CARRIER...); +CME errors become *CMEError
// with the 3GPP code. Unsolicited result codes (+CEREG, ^RSSI,
// +QIURC "pdpdeact", RDY...) are recognised even in the middle of a
// response and handed to the state machine; noise and garbage become
// printable lines the parsers ignore. After a timeout a bare AT is sent
// to resynchronise; if that gets no answer either, the modem is
// unresponsive.
//
// # Finding the port
//
// Config.Device names the AT port (a /dev/serial/by-id link is best);
// otherwise every /dev/ttyUSB* and /dev/ttyACM* is probed with AT, the
// port that answered last time first. Dongles expose several ports
// (diagnostics, GPS, PPP, AT) and only some answer. Ports driven by a
// USB-serial converter driver (FTDI, Prolific, CP210x...) are never
// probed: in a factory such a cable leads to a PLC or a drive. A
// ModemManager daemon, if installed, grabs the port and must be disabled.
//
// # States
//
//	starting ─▶ no_modem ◀──────────── port gone / no AT port (retry with backoff)
//	               │ port answers AT
//	               ▼
//	          initializing  ATE0, AT+CMEE=1, AT+CGMI/CGMM/CGMR/CGSN, dialect,
//	               │        AT+CREG=2/CGREG=2/CEREG=2, AT+COPS=3,0, radio on
//	               ▼
//	   no_sim / sim_locked  AT+CPIN? until READY; a configured PIN is entered
//	               │        once, and a rejected one never again (kept in StateDir)
//	               ▼
//	   searching / denied   AT+CSQ, AT+CESQ, AT+CREG?/CGREG?/CEREG? until
//	               │        home or roaming (the packet domain decides)
//	               ▼
//	          connecting    the dialect's data session; AT+COPS?, address
//	               │
//	               ▼
//	            online      signal, registration and session polled; URCs
//	                        for lost session, lost SIM, modem reboot act at once
//
// A lost session goes back to connecting, lost registration to
// searching, a removed SIM to no_sim, a rebooted modem to initializing;
// none of these is a failure of the modem. Every transition is logged
// and kept (Status.Transitions) with its Reason and a detail.
//
// # Escalation
//
// The modem is stuck when it searches longer than RegisterTimeout, when
// the data session fails three times in a row, or when it stops
// answering AT. Recovery then climbs a ladder, one step per stuck
// episode: (1) re-init — close, reopen, set up again; (2) radio off/on —
// AT+CFUN=0, pause, AT+CFUN=1; (3) USB reset — the Config.USBReset hook
// (SysfsUSBReset de- and re-authorizes the USB device). After step 3 the
// ladder starts over after MaxBackoff. A denied registration climbs only
// to step 2 (power-cycling the bus cannot change the network's mind);
// a missing SIM does not climb at all, but the radio is cycled now and
// then so a SIM inserted later is seen. When the modem stops answering,
// Run closes the port and returns ErrUnresponsive: its owner (the
// sensor's supervisor) restarts it, and the next Run starts with the next
// step. Online resets the ladder.
//
// # Dialects
//
//	dialect  modems                      ICCID                data session                         session check
//	generic  any 3GPP TS 27.007 modem    AT+CCID, AT+CRSM     AT+CGDCONT, AT+CGAUTH, AT+CGACT=1,1   AT+CGACT?
//	huawei   E3372 (stick), ME909s       AT^ICCID?            AT+CGDCONT, AT^NDISDUP=1,1,"apn"     AT^NDISSTATQRY?
//	quectel  EC25, EG25-G, EC21          AT+QCCID             AT+QICSGP, AT+QIACT=1                AT+QIACT?
//
// The dialect is chosen from AT+CGMI/AT+CGMM, or forced by
// Config.Dialect. The session's address comes from AT+CGPADDR (Quectel:
// AT+QIACT?); the operating system configures the host interface
// (wwan0, usb0) by DHCP as for any ECM/NCM device.
//
// # Data usage
//
// Usage samples the interface's byte counters (gopsutil) and adds what
// moved to today's and this month's totals, in the sensor's time zone,
// persisted atomically to a JSON file. A reboot or a replugged dongle
// (new boot time or interface index) starts new counters, counted from
// zero; the very first sample is only a baseline.
package modem
