package status

import (
	"time"

	"mimamori/modem"
)

var fixtureNow = time.Date(2026, 5, 18, 10, 30, 0, 0, time.FixedZone("JST", 9*3600))

// healthy is a sensor that has been up for an hour with everything green.
func healthy() Snapshot { return healthyAt(fixtureNow) }

// healthyAt is healthy as seen at now.
func healthyAt(now time.Time) Snapshot {
	return Snapshot{
		Now: now, Tenant: "acme", Sensor: "sensor-1", Software: "v1.4.2", Signatures: "2026-05-18",
		StartedAt: now.Add(-time.Hour),
		Host: Host{Known: true, UptimeSeconds: 3 * 3600, CPUPercent: 23, MemUsed: 1_200_000_000, MemTotal: 4_000_000_000,
			DiskUsed: 20_000_000_000, DiskTotal: 64_000_000_000, TemperatureC: 52},
		Captures: []Capture{{Name: "eth1", Live: true, Link: "up", Minutes: 60, LastMinute: now.Add(-2 * time.Minute),
			LastSealed: now.Add(-50 * time.Second), Packets: 74_040, Bytes: 9_000_000, PacketsSeen: 4_000_000}},
		Modem: &ModemInfo{
			Status: modem.Status{
				State: modem.StateOnline, Reason: modem.ReasonOnline, Since: now.Add(-50 * time.Minute),
				OnlineSince: now.Add(-50 * time.Minute), Device: "/dev/ttyUSB2", Dialect: "huawei",
				Identity: modem.Identity{Manufacturer: "huawei", Model: "E3372", IMEI: "356938035643809",
					IMSI: "440101234567890", ICCID: "8981100012345678901"},
				SIM: modem.SIMReady, Registration: modem.RegHome, Technology: "LTE", Operator: "NTT DOCOMO",
				Signal: modem.Signal{Valid: true, RSSIdBm: -73, Bars: 4}, APN: "mimamori.example", IP: "10.160.23.45",
			},
			Usage: modem.UsageTotals{Interface: "wwan0", Day: "2026-05-18", DayRx: 40_000_000, DayTx: 5_000_000,
				Month: "2026-05", MonthRx: 1_000_000_000, MonthTx: 230_000_000},
			UsageKnown: true, QuotaBytes: QuotaBytes,
		},
		Cloud: Cloud{Connected: true, LastSent: now.Add(-20 * time.Second), LastSeq: 4242},
		Clock: Clock{Known: true, Synced: true, EstError: 12 * time.Millisecond, Source: "adjtimex"},
		Services: []Service{{Name: "batcher", Alive: true}, {Name: "capture-eth1", Alive: true}, {Name: "modem", Alive: true},
			{Name: "uplink", Alive: true}, {Name: "health", Alive: true}, {Name: "status", Alive: true}},
	}
}

// find returns the report's line with id.
func find(r Report, id string) (Line, bool) {
	for _, s := range r.Sections {
		for _, l := range s.Lines {
			if l.ID == id {
				return l, true
			}
		}
	}
	return Line{}, false
}
