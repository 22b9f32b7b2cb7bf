package wire

import (
	"errors"
	"fmt"
	"strings"

	"github.com/klauspost/compress/zstd"
	"google.golang.org/protobuf/proto"

	"mimamori/edge/wire/wirepb"
)

// CurrentSchema is the schema version this build writes: 3, flows, OT
// events and devices in columns (Batch.flow_columns, ot_columns,
// device_columns), flow times in milliseconds and the times of everything
// else in whole seconds.
const CurrentSchema = wirepb.SchemaVersion_SCHEMA_VERSION_3

// accepted reports whether Decode reads batches of schema v: the current
// one and every earlier one (1: flows as Batch.flows; 2: flows in columns).
func accepted(v wirepb.SchemaVersion) bool {
	return v >= wirepb.SchemaVersion_SCHEMA_VERSION_1 && v <= CurrentSchema
}

// MaxPayload bounds what Decode will inflate. A minute of a busy sensor is a
// few hundred kilobytes; anything far larger is hostile or broken.
const MaxPayload = 64 << 20

// MaxPacket bounds the MQTT packet that carries a batch: a payload of
// MaxPayload with room for the topic and the packet's headers. The
// embedded broker refuses larger packets, and the sensor never sends one.
const MaxPacket = MaxPayload + 64<<10

// TopicPrefix is the root of every Mimamori topic.
const TopicPrefix = "mimamori/v1"

var (
	// ErrSchema means the batch was written by a newer, unknown schema.
	ErrSchema = errors.New("wire: unsupported schema version")
	// ErrTopic means a topic is not mimamori/v1/<tenant>/<sensor>/batch.
	ErrTopic = errors.New("wire: malformed topic")
	// ErrIdentity means the batch names a different tenant or sensor than its topic.
	ErrIdentity = errors.New("wire: batch identity does not match topic")
)

// Codec compresses and decompresses batches. It holds reusable zstd state
// and is safe for concurrent use.
type Codec struct {
	enc *zstd.Encoder
	dec *zstd.Decoder
}

// NewCodec returns a Codec. It compresses at zstd's best level: a minute
// of the specification's load (about 220 KB of columns) takes some 200 ms
// of one core, once a minute and off the capture path, for 4 % less
// upload than the next level.
func NewCodec() (*Codec, error) {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBestCompression), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, fmt.Errorf("wire: zstd encoder: %w", err)
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(MaxPayload))
	if err != nil {
		return nil, fmt.Errorf("wire: zstd decoder: %w", err)
	}
	return &Codec{enc: enc, dec: dec}, nil
}

// Encode serialises b and compresses it. A batch of the current schema
// (or without one) carries its flows, OT events and devices as columns and
// the times of its devices, names, OT events and identities in whole
// seconds; b itself is left as it was apart from its schema version. A
// batch that names an earlier schema is written in that schema's layout.
func (c *Codec) Encode(b *wirepb.Batch) ([]byte, error) {
	if b.SchemaVersion == wirepb.SchemaVersion_SCHEMA_VERSION_UNSPECIFIED {
		b.SchemaVersion = CurrentSchema
	}
	if b.SchemaVersion >= wirepb.SchemaVersion_SCHEMA_VERSION_2 && len(b.Flows) > 0 && b.FlowColumns == nil {
		flows := b.Flows
		b.Flows, b.FlowColumns = nil, flowsToColumns(flows, b.Minute, b.SchemaVersion >= wirepb.SchemaVersion_SCHEMA_VERSION_3)
		defer func() { b.Flows, b.FlowColumns = flows, nil }()
	}
	if b.SchemaVersion >= wirepb.SchemaVersion_SCHEMA_VERSION_3 {
		defer toColumns(b)()
	}
	raw, err := proto.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("wire: marshal batch: %w", err)
	}
	return c.enc.EncodeAll(raw, make([]byte, 0, len(raw)/4+64)), nil
}

// toColumns moves b's OT events and devices into columns and truncates
// the times of its names and identities to whole seconds, returning what
// puts b back as it was.
func toColumns(b *wirepb.Batch) (undo func()) {
	if len(b.OtEvents) == 0 && len(b.Devices) == 0 && len(b.Names) == 0 && len(b.Identities) == 0 {
		return func() {}
	}
	events, devices, tablesOnly := b.OtEvents, b.Devices, false
	if b.FlowColumns == nil && (len(events) > 0 || len(devices) > 0) {
		b.FlowColumns, tablesOnly = &wirepb.FlowColumns{}, true
	}
	var t *tables
	if b.FlowColumns != nil {
		t = newTables(b.FlowColumns)
	}
	if len(events) > 0 {
		b.OtEvents, b.OtColumns = nil, otToColumns(events, b.Minute, t)
	}
	if len(devices) > 0 {
		b.Devices, b.DeviceColumns = nil, devicesToColumns(devices, b.Minute, t)
	}
	type times struct{ first, last int64 }
	names := make([]times, len(b.Names))
	for i, n := range b.Names {
		names[i] = times{n.FirstUnixNs, n.LastUnixNs}
		n.FirstUnixNs, n.LastUnixNs = truncSecond(n.FirstUnixNs), truncSecond(n.LastUnixNs)
	}
	seen := make([]int64, len(b.Identities))
	for i, x := range b.Identities {
		seen[i], x.SeenUnixNs = x.SeenUnixNs, truncSecond(x.SeenUnixNs)
	}
	return func() {
		b.OtEvents, b.Devices, b.OtColumns, b.DeviceColumns = events, devices, nil, nil
		if tablesOnly {
			b.FlowColumns = nil
		}
		for i, n := range b.Names {
			n.FirstUnixNs, n.LastUnixNs = names[i].first, names[i].last
		}
		for i, x := range b.Identities {
			x.SeenUnixNs = seen[i]
		}
	}
}

func truncSecond(ns int64) int64 { return ns / 1e9 * 1e9 }

// Decode decompresses and parses a payload, rejecting unknown schemas.
// Columns come back as Batch.flows, ot_events and devices (after any sent
// as such), so readers see one layout whatever the schema.
func (c *Codec) Decode(payload []byte) (*wirepb.Batch, error) {
	raw, err := c.dec.DecodeAll(payload, nil)
	if err != nil {
		return nil, fmt.Errorf("wire: decompress: %w", err)
	}
	var b wirepb.Batch
	if err := proto.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("wire: unmarshal batch: %w", err)
	}
	if !accepted(b.SchemaVersion) {
		return nil, fmt.Errorf("%w: %d", ErrSchema, b.SchemaVersion)
	}
	if b.OtColumns != nil {
		events, err := columnsToOT(b.OtColumns, b.FlowColumns, b.Minute)
		if err != nil {
			return nil, err
		}
		b.OtEvents, b.OtColumns = append(b.OtEvents, events...), nil
	}
	if b.DeviceColumns != nil {
		devices, err := columnsToDevices(b.DeviceColumns, b.FlowColumns, b.Minute)
		if err != nil {
			return nil, err
		}
		b.Devices, b.DeviceColumns = append(b.Devices, devices...), nil
	}
	if b.FlowColumns != nil {
		flows, err := ColumnsToFlows(b.FlowColumns, b.Minute)
		if err != nil {
			return nil, err
		}
		b.Flows, b.FlowColumns = append(b.Flows, flows...), nil
	}
	return &b, nil
}

// BatchTopic is where a sensor publishes its minute batches.
func BatchTopic(tenant, sensor string) string {
	return TopicPrefix + "/" + tenant + "/" + sensor + "/batch"
}

// BatchFilter subscribes to every sensor's batches.
const BatchFilter = TopicPrefix + "/+/+/batch"

// ParseBatchTopic splits a batch topic into tenant and sensor.
func ParseBatchTopic(topic string) (tenant, sensor string, err error) {
	rest, ok := strings.CutPrefix(topic, TopicPrefix+"/")
	if !ok {
		return "", "", fmt.Errorf("%w: %q", ErrTopic, topic)
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[2] != "batch" || !ValidID(parts[0]) || !ValidID(parts[1]) {
		return "", "", fmt.Errorf("%w: %q", ErrTopic, topic)
	}
	return parts[0], parts[1], nil
}

// Verify checks that a decoded batch belongs to the topic it arrived on.
func Verify(b *wirepb.Batch, tenant, sensor string) error {
	if b.Tenant != tenant || b.Sensor != sensor {
		return fmt.Errorf("%w: topic %s/%s, batch %s/%s", ErrIdentity, tenant, sensor, b.Tenant, b.Sensor)
	}
	if b.Seq == 0 {
		return errors.New("wire: batch has no sequence number")
	}
	return nil
}

// ValidID reports whether s can be a tenant or sensor identifier: 1-64
// characters of [A-Za-z0-9_.-], so that it is safe in topics, paths and logs.
func ValidID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-', c == '.':
		default:
			return false
		}
	}
	return true
}

// NameSourceString is the lowercase spelling of a name source used in
// analyze output, the store and the API: dns, nbns, mdns, llmnr, dhcp.
func NameSourceString(s wirepb.NameSource) string {
	switch s {
	case wirepb.NameSource_NAME_SOURCE_DNS:
		return "dns"
	case wirepb.NameSource_NAME_SOURCE_NBNS:
		return "nbns"
	case wirepb.NameSource_NAME_SOURCE_MDNS:
		return "mdns"
	case wirepb.NameSource_NAME_SOURCE_LLMNR:
		return "llmnr"
	case wirepb.NameSource_NAME_SOURCE_DHCP:
		return "dhcp"
	}
	return "unknown"
}
