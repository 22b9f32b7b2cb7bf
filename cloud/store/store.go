package store

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"mimamori/edge/wire/wirepb"
)

var (
	// ErrDuplicate means the (tenant, sensor, seq) batch was ingested before;
	// nothing was written.
	ErrDuplicate = errors.New("store: batch already ingested")
	// ErrNotFound means the requested record does not exist.
	ErrNotFound = errors.New("store: not found")
)

// Store is the cloud's durable state. SQLite is the default implementation;
// PostgreSQL joins behind the same interface when the cloud scales out.
// Every method is safe for concurrent use.
type Store interface {
	// EnsureTenant creates the tenant if it is missing and updates its name.
	EnsureTenant(ctx context.Context, t Tenant) error
	// EnsureSensor registers a sensor under a tenant if it is missing.
	EnsureSensor(ctx context.Context, tenant, sensor, displayName string) error

	// IngestBatch stores one sensor-minute atomically: the batch key, flows,
	// merged devices and names, sensor stats and the sensor's counters. It
	// returns ErrDuplicate, having written nothing, when the batch's
	// (tenant, sensor, seq) is already stored. payloadBytes is the compressed
	// size received, counted towards the sensor's monthly usage.
	IngestBatch(ctx context.Context, tenant string, b *wirepb.Batch, payloadBytes int) (IngestResult, error)

	Devices(ctx context.Context, tenant string, q DeviceQuery) ([]Device, error)
	Flows(ctx context.Context, tenant string, q FlowQuery) ([]Flow, error)
	Names(ctx context.Context, tenant string, q NameQuery) ([]Name, error)
	Sensors(ctx context.Context, tenant string) ([]Sensor, error)

	// Users and sessions back the portal login. The email OTP second factor
	// (C9) will add a pending-session state; Session.MFADone is its hook.
	CreateUser(ctx context.Context, u User) error
	UserByEmail(ctx context.Context, email string) (User, error)
	CreateSession(ctx context.Context, s Session) error
	SessionByToken(ctx context.Context, tokenHash []byte) (Session, error)
	DeleteSession(ctx context.Context, tokenHash []byte) error

	Close() error
}

// Tenant is one customer.
type Tenant struct {
	ID   string
	Name string
}

// IngestResult says what one batch added.
type IngestResult struct {
	Flows   int
	Devices int
	Names   int
}

// TimeRange bounds a query; a zero bound is open.
type TimeRange struct {
	From, To time.Time
}

// Device is the merged view of one MAC address across every batch.
type Device struct {
	MAC                    string // aa:bb:cc:dd:ee:ff
	IPs                    []netip.Addr
	Hostname               string // DHCP hostname, else a resolved name
	DHCPVendor             string
	DHCPParams             []byte
	Evidence               uint32
	VLAN                   uint16
	FirstSeen              time.Time
	LastSeen               time.Time
	SentPackets, SentBytes uint64
	RecvPackets, RecvBytes uint64
	Sensors                []string
}

// DeviceQuery filters the device list. Search matches IP, MAC or hostname.
type DeviceQuery struct {
	Search string
	Seen   TimeRange
	Limit  int // 0 = store default
	Offset int
}

// Flow is one flow-minute row.
type Flow struct {
	Sensor                   string
	Minute                   time.Time
	Proto                    uint8
	SrcIP                    netip.Addr
	SrcPort                  uint16
	DstIP                    netip.Addr
	DstPort                  uint16
	SrcMAC                   string
	DstMAC                   string
	VLAN                     uint16
	SrcPackets, SrcBytes     uint64
	DstPackets, DstBytes     uint64
	SrcTCPFlags, DstTCPFlags uint8
	First, Last              time.Time
	New, Ended               bool
}

// FlowQuery filters flows. IP matches either side; Port matches either side.
type FlowQuery struct {
	Range  TimeRange
	IP     netip.Addr
	Port   uint16
	Proto  uint8
	Sensor string
	Limit  int
	Offset int
}

// Name is one name binding seen by resolution traffic.
type Name struct {
	IP        netip.Addr
	Name      string
	Source    string // dns, nbns, mdns, llmnr, dhcp
	Count     uint64
	FirstSeen time.Time
	LastSeen  time.Time
}

// NameQuery filters names.
type NameQuery struct {
	Search string
	Limit  int
}

// Sensor is a sensor's registration and ingest counters.
type Sensor struct {
	Tenant      string
	ID          string
	DisplayName string
	LastSeq     uint64
	LastSeen    time.Time // when the last batch arrived
	LastMinute  time.Time // the minute the newest batch covers
	Batches     uint64
	MonthBytes  uint64 // compressed bytes received this calendar month (UTC)
	Month       string // YYYY-MM that MonthBytes counts
	Health      *wirepb.Health
	Captures    []*wirepb.CaptureStats
}

// User is a portal account.
type User struct {
	Tenant       string
	Email        string
	DisplayName  string
	PasswordHash string // PHC string, argon2id
	Admin        bool
	CreatedAt    time.Time
}

// Session is a logged-in browser. Only the SHA-256 of the token is stored.
type Session struct {
	TokenHash []byte
	Tenant    string
	Email     string
	CreatedAt time.Time
	ExpiresAt time.Time
	MFADone   bool
}
