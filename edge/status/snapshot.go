package status

import (
	"time"

	"mimamori/modem"
)

// Snapshot is everything the status page and the LEDs judge: plain facts,
// gathered by the sensor without waiting on any of its parts.
type Snapshot struct {
	Now        time.Time `json:"now"`
	Tenant     string    `json:"tenant"`
	Sensor     string    `json:"sensor"`
	Software   string    `json:"software"`
	Signatures string    `json:"signatures,omitempty"` // "" until signatures are installed
	StartedAt  time.Time `json:"started_at"`           // this process

	Host     Host       `json:"host"`
	Captures []Capture  `json:"captures"`
	Modem    *ModemInfo `json:"modem,omitempty"` // nil: the sensor runs without a modem
	Cloud    Cloud      `json:"cloud"`
	Clock    Clock      `json:"clock"`
	Services []Service  `json:"services,omitempty"`
}

// Host is the latest gopsutil sample; Known is false before the first.
type Host struct {
	Known         bool    `json:"known"`
	UptimeSeconds uint64  `json:"uptime_seconds"`
	CPUPercent    float64 `json:"cpu_percent"` // averaged over about a minute
	MemUsed       uint64  `json:"mem_used"`
	MemTotal      uint64  `json:"mem_total"`
	DiskUsed      uint64  `json:"disk_used"`
	DiskTotal     uint64  `json:"disk_total"`
	TemperatureC  float64 `json:"temperature_c"` // 0: no sensor
}

// Capture is one capture source and its last sealed minute.
type Capture struct {
	Name string `json:"name"`
	// Live is a NIC; otherwise a file or generator being replayed.
	Live bool `json:"live"`
	// Link is the NIC's operstate: "up", "down", "unknown", ... ("" when
	// not a NIC or unreadable).
	Link string `json:"link,omitempty"`
	// Minutes sealed so far; the rest describes the latest one.
	Minutes     uint64    `json:"minutes"`
	LastMinute  time.Time `json:"last_minute,omitzero"`
	LastSealed  time.Time `json:"last_sealed,omitzero"`
	Packets     uint64    `json:"packets"`
	Bytes       uint64    `json:"bytes"`
	Drops       uint64    `json:"drops"`
	DropsTotal  uint64    `json:"drops_total"`
	PacketsSeen uint64    `json:"packets_total"`
	// OpenError is why the source cannot be opened, while it cannot.
	OpenError string `json:"open_error,omitempty"`
}

// ModemInfo is the modem manager's status and the metered data usage.
type ModemInfo struct {
	modem.Status
	Usage      modem.UsageTotals `json:"usage"`
	UsageKnown bool              `json:"usage_known"`
	QuotaBytes uint64            `json:"quota_bytes"` // monthly allowance (C4: 10 GB)
}

// Cloud is the MQTT uplink.
type Cloud struct {
	Connected    bool      `json:"connected"`
	LastSent     time.Time `json:"last_sent,omitzero"`
	LastSeq      uint64    `json:"last_seq"`
	Backlog      int       `json:"backlog"`
	BacklogBytes int64     `json:"backlog_bytes"`
	DroppedOld   uint64    `json:"dropped_old"`
	LastError    string    `json:"last_error,omitempty"`
	// ConnectError is why the last attempt to connect failed; Refused
	// says the broker refused the sensor's credentials.
	ConnectError string `json:"connect_error,omitempty"`
	Refused      bool   `json:"refused,omitempty"`
	// TLS says the link to the broker is encrypted.
	TLS bool `json:"tls"`
	// CertExpires is when the sensor's own certificate expires; zero
	// without one.
	CertExpires time.Time `json:"cert_expires,omitzero"`
	// SpoolError is why sealed batches cannot be written to the sensor's
	// storage (a full or failing disk), while they cannot; Unspooled of
	// them wait in memory meanwhile, and SpoolLost were lost in all.
	SpoolError string `json:"spool_error,omitempty"`
	Unspooled  int    `json:"unspooled,omitempty"`
	SpoolLost  uint64 `json:"spool_lost,omitempty"`
	// Oversize batches were too large for the broker and were dropped.
	Oversize uint64 `json:"oversize,omitempty"`
}

// Service is one actor of the sensor's supervision tree.
type Service struct {
	Name        string    `json:"name"`
	Alive       bool      `json:"alive"`
	Restarts    uint32    `json:"restarts"`
	LastFailure time.Time `json:"last_failure,omitzero"`
	LastReason  string    `json:"last_reason,omitempty"`
}

// QuotaBytes is the monthly upload allowance of C4, in decimal gigabytes
// (the smaller reading of "10 GB", so the warning comes early, not late).
const QuotaBytes = 10_000_000_000
