package store

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"mimamori/edge/intel"
	"mimamori/edge/wire/wirepb"
)

var (
	// ErrDuplicate means the (tenant, sensor, seq) batch was ingested before;
	// nothing was written.
	ErrDuplicate = errors.New("store: batch already ingested")
	// ErrNotFound means the requested record does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrEmailTaken means a user with that email (compared without regard
	// to ASCII case) already exists, in this tenant or another.
	ErrEmailTaken = errors.New("store: email already registered")
	// ErrUserLimit means the tenant already has MaxUsersPerTenant users (C9).
	ErrUserLimit = errors.New("store: tenant user limit reached")
	// ErrInvalid means an argument fails validation (a service name that
	// is empty or too long, a port of 0).
	ErrInvalid = errors.New("store: invalid value")
)

const (
	// MaxUsersPerTenant is the contract's cap on portal accounts (C9).
	MaxUsersPerTenant = 5
	// DefaultDeviceCap is how many devices a tenant may hold before ingest
	// stops importing new ones (C2), unless the tenant sets its own cap.
	DefaultDeviceCap = 1500
	// DefaultLimit is the page size of a query that does not set one.
	DefaultLimit = 500
	// MaxLimit bounds any query's page size, so that one request cannot
	// pull a year of flows into memory.
	MaxLimit = 10000
)

// ClampLimit applies DefaultLimit and MaxLimit to a requested page size.
func ClampLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultLimit
	case n > MaxLimit:
		return MaxLimit
	}
	return n
}

// Store is the cloud's durable state. SQLite is the default implementation;
// PostgreSQL joins behind the same interface when the cloud scales out.
// Every method is safe for concurrent use.
type Store interface {
	// EnsureTenant creates the tenant if it is missing and updates its name.
	EnsureTenant(ctx context.Context, t Tenant) error
	// EnsureSensor registers a sensor under a tenant if it is missing,
	// creating the tenant too. A non-empty displayName replaces the current
	// one; an empty one keeps it (a new sensor is then shown by its ID).
	EnsureSensor(ctx context.Context, tenant, sensor, displayName string) error
	// SetDeviceCap sets how many devices the tenant may hold (C2); n <= 0
	// returns the tenant to the store's default (DefaultDeviceCap unless the
	// implementation was configured otherwise). ErrNotFound if the tenant
	// does not exist.
	SetDeviceCap(ctx context.Context, tenant string, n int) error

	// IngestBatch stores one sensor-minute atomically: the batch key, flows,
	// merged devices and names, sensor stats and the sensor's counters. It
	// returns ErrDuplicate, having written nothing, when the batch's
	// (tenant, sensor, seq) is already stored. payloadBytes is the compressed
	// size received, counted towards the sensor's monthly usage for the
	// calendar month (UTC) in which the store receives it. A tenant or
	// sensor seen for the first time is registered.
	//
	// Devices that are not yet known are refused once the tenant holds its
	// device cap (C2): they are counted in IngestResult.DevicesRefused, and
	// the rest of the batch (flows, names, known devices) is still stored.
	IngestBatch(ctx context.Context, tenant string, b *wirepb.Batch, payloadBytes int) (IngestResult, error)

	// Devices lists the tenant's devices, newest last_seen first, then by
	// MAC. An unknown tenant has no devices.
	Devices(ctx context.Context, tenant string, q DeviceQuery) ([]Device, error)
	// Flows lists the tenant's flow-minute rows, newest minute first.
	Flows(ctx context.Context, tenant string, q FlowQuery) ([]Flow, error)
	// Names lists the tenant's name bindings, newest last_seen first.
	Names(ctx context.Context, tenant string, q NameQuery) ([]Name, error)
	// Sensors lists the tenant's sensors by ID.
	Sensors(ctx context.Context, tenant string) ([]Sensor, error)
	// OTEvents lists the tenant's industrial-protocol events (V5-1, V5-2),
	// summed over the UTC days of q.Days: one entry per sensor, protocol,
	// function code, source, destination, destination port, MACs and
	// VLAN. An unknown tenant has none.
	OTEvents(ctx context.Context, tenant string, q OTQuery) ([]OTEvent, error)
	// OTProtocols lists the protocol ids of the tenant's OT events in the
	// UTC days of r (the same defaults as OTQuery.Days), sorted, for
	// filter menus.
	OTProtocols(ctx context.Context, tenant string, r TimeRange, layer OTLayer) ([]string, error)
	// OTFunctions lists the functions of the tenant's OT events in the UTC
	// days of r, of one protocol or of every one (""), sorted by protocol
	// and code, at most MaxOTFunctions, for filter suggestions.
	OTFunctions(ctx context.Context, tenant string, r TimeRange, layer OTLayer, protocol string) ([]OTFunction, error)

	// InventoryObservations returns what device inference (edge/intel)
	// reads for a tenant: every device with its addresses, fingerprints,
	// announcements and industrial identities, the name bindings, and the
	// conversations and industrial activity of the UTC days that end after
	// since, summed over those days. An unknown tenant has none.
	InventoryObservations(ctx context.Context, tenant string, since time.Time) (*intel.Observations, error)
	// Conversations sums the tenant's conversations over the UTC days that
	// overlap r (whole days: the store keeps one row per day), one entry
	// per client, server, protocol and port.
	Conversations(ctx context.Context, tenant string, r TimeRange) ([]intel.Conversation, error)
	// DataVersion is a token that changes whenever anything
	// InventoryObservations, Conversations or ServiceNames would return
	// changes, so callers can cache what they infer.
	DataVersion(ctx context.Context, tenant string) (string, error)

	// ServiceNames lists the tenant's own service names (S1-5) by
	// protocol and port.
	ServiceNames(ctx context.Context, tenant string) ([]ServiceName, error)
	// SetServiceName adds or replaces the tenant's name for a port. The
	// name must pass services.CheckName and the port be 1..65535 on TCP or
	// UDP (ErrInvalid otherwise); ErrNotFound if the tenant does not
	// exist.
	SetServiceName(ctx context.Context, tenant string, sn ServiceName) error
	// DeleteServiceName removes the tenant's name for a port; ErrNotFound
	// if it has none.
	DeleteServiceName(ctx context.Context, tenant string, proto uint8, port uint16) error

	// Users and sessions back the portal login. The email OTP second factor
	// (C9) will add a pending-session state; Session.MFADone is its hook.
	//
	// CreateUser returns ErrEmailTaken if the email exists (emails are
	// unique across tenants and compared without regard to ASCII case),
	// ErrUserLimit if the tenant already has MaxUsersPerTenant users, and
	// ErrNotFound if the tenant does not exist.
	CreateUser(ctx context.Context, u User) error
	UserByEmail(ctx context.Context, email string) (User, error)
	// CreateSession stores a session for an existing user (ErrNotFound
	// otherwise).
	CreateSession(ctx context.Context, s Session) error
	// SessionByToken returns ErrNotFound for an unknown or expired session.
	SessionByToken(ctx context.Context, tokenHash []byte) (Session, error)
	// DeleteSession removes a session; removing a missing one is not an error.
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
	Devices int // device observations merged (new or known devices)
	Names   int
	// DevicesRefused counts new devices not imported because the tenant is
	// at its device cap (C2). The caller reports it in the system log (S1-2).
	DevicesRefused int
}

// TimeRange bounds a query; a zero bound is open. From is inclusive and To
// exclusive. Flows are matched by their minute, devices by overlap of
// [FirstSeen, LastSeen] with the range.
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

// DeviceQuery filters the device list. Search matches an IP address
// exactly, a CIDR prefix (10.0.1.0/24) by range, or otherwise a substring of
// the MAC (either separator, any case) or of any hostname the device has
// (DHCP or resolved), without regard to ASCII case.
type DeviceQuery struct {
	Search string
	Seen   TimeRange
	Limit  int // 0 = store default
	Offset int
}

// Flow is one flow-minute row.
type Flow struct {
	Sensor  string
	Minute  time.Time
	Proto   uint8
	SrcIP   netip.Addr
	SrcPort uint16
	DstIP   netip.Addr
	DstPort uint16
	SrcMAC  string
	DstMAC  string
	VLAN    uint16 // the initiator's
	// Routed: the conversation was routed between VLANs, and DstVLAN is
	// the responder's.
	Routed                   bool
	DstVLAN                  uint16
	SrcPackets, SrcBytes     uint64
	DstPackets, DstBytes     uint64
	SrcTCPFlags, DstTCPFlags uint8
	First, Last              time.Time
	New, Ended               bool
}

// OTFunction is one function code of an OT protocol and its name.
type OTFunction struct {
	Protocol string
	Code     uint32
	Name     string
}

// MaxOTFunctions bounds the functions OTFunctions returns.
const MaxOTFunctions = 500

// FlowQuery filters flows. IP matches either side; Port matches either side.
// Zero values do not filter.
type FlowQuery struct {
	Range TimeRange
	// IP selects the flows with this address on either side; else Net
	// those with an address of this prefix (a line's subnet, say).
	IP     netip.Addr
	Net    netip.Prefix
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
	Source    string // dns, nbns, mdns, llmnr, dhcp (unknown if unset)
	Count     uint64
	FirstSeen time.Time
	LastSeen  time.Time
}

// NameQuery filters names. Search matches an IP address, a CIDR prefix, or
// a substring of the name without regard to ASCII case.
type NameQuery struct {
	Search string
	Limit  int
	Offset int
}

// DefaultOTDays is the period an OT event query covers when it sets no
// start: the last seven UTC days, today included.
const DefaultOTDays = 7

// MaxOTDetails bounds the details text kept with a stored OT event, in
// bytes. See OTEvent.Details.
const MaxOTDetails = 1024

// OTEvent is the industrial-protocol activity between two endpoints with
// one function, summed over whole UTC days. The store keeps one entry per
// day; queries add up the days they cover.
type OTEvent struct {
	Sensor   string
	Protocol string // protocol id: modbus, slmp, fins, cclink-ie-field, ...
	Code     uint32 // function or command code
	Function string // the code's name; "unknown" when the table has none
	// SrcIP and DstIP are invalid for layer-2 protocols. SrcPort is the
	// range of source ports seen (SrcPortMin = SrcPortMax for a fixed
	// port), DstPort the destination's (the server's) port; all 0 for
	// layer-2 protocols.
	SrcIP, DstIP           netip.Addr
	SrcPortMin, SrcPortMax uint16
	DstPort                uint16
	SrcMAC, DstMAC         string // aa:bb:cc:dd:ee:ff, "" when unknown
	VLAN                   uint16
	Count                  uint64
	Requests               uint64
	Responses              uint64
	Errors                 uint64
	FirstSeen, LastSeen    time.Time
	// Details are the events' protocol details, "key=v1,v2 key=v3": per
	// key the distinct values in the order first seen. At most 8 values
	// are kept per key: the first 7 and the newest, with "…" between them
	// when some were left out; the text is at most MaxOTDetails bytes.
	Details string
}

// Layer2 reports whether the event is of a layer-2 (Ethernet) protocol.
func (e *OTEvent) Layer2() bool { return !e.SrcIP.IsValid() && !e.DstIP.IsValid() }

// OTLayer selects IP or Ethernet (layer-2) OT events.
type OTLayer uint8

const (
	OTAnyLayer      OTLayer = iota
	OTLayerIP               // events of protocols over TCP or UDP (V5-1)
	OTLayerEthernet         // events of protocols without IP (V5-2)
)

// OTSort orders an OT event query.
type OTSort uint8

const (
	OTSortLast     OTSort = iota // newest last seen first (the default)
	OTSortCount                  // most messages first
	OTSortErrors                 // most errors first
	OTSortFirst                  // newest first seen first
	OTSortProtocol               // by protocol, code, source, destination
)

// OTQuery filters OT events. Zero values do not filter.
type OTQuery struct {
	// Days selects the UTC days summed: those overlapping [From, To). A
	// zero From means DefaultOTDays days back from the store's clock,
	// today included; a zero To, up to now.
	Days     TimeRange
	Protocol string // exact protocol id
	// Function matches a function code (decimal, or hexadecimal with 0x)
	// exactly, or else a part of the function's name without regard to
	// ASCII case.
	Function string
	// Device matches either side: an IP address or CIDR prefix; a MAC
	// address (the side's MAC, or its IP when that is one of the device's
	// addresses: a device of the inventory); otherwise part of a device's
	// DHCP or resolved host name, matching the addresses and MAC of those
	// devices.
	Device string
	Sensor string // sensor ID
	Layer  OTLayer
	Sort   OTSort
	Limit  int // 0 = store default
	Offset int
}

// Sensor is a sensor's registration and ingest counters.
type Sensor struct {
	Tenant      string
	ID          string
	DisplayName string
	LastSeq     uint64
	LastSeen    time.Time // when the last batch arrived
	LastMinute  time.Time // the minute of the batch sealed last (highest seq)
	Batches     uint64
	MonthBytes  uint64 // compressed bytes received this calendar month (UTC)
	Month       string // YYYY-MM that MonthBytes counts
	// SoftwareVersion, Health, Captures, Restarts and Modem come from
	// the batch sealed last (see LastMinute; a batch without capture
	// statistics for the same minute keeps the previous one's): Restarts are the supervision restarts of its
	// minute, Modem the LTE link and the data its interface carried
	// (nil for a sensor without a modem).
	SoftwareVersion string
	Health          *wirepb.Health
	Captures        []*wirepb.CaptureStats
	Restarts        []*wirepb.SupervisorRestart
	Modem           *wirepb.Modem
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

// ServiceName is a tenant's own name for a TCP or UDP port (S1-5).
type ServiceName struct {
	Proto       uint8 // 6 TCP, 17 UDP
	Port        uint16
	Name        string
	Description string
	UpdatedAt   time.Time
	UpdatedBy   string // email of the user who set it
}
