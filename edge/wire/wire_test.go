package wire

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"google.golang.org/protobuf/proto"

	"mimamori/edge/wire/wirepb"
)

func sample() *wirepb.Batch {
	return &wirepb.Batch{
		Tenant: "acme", Sensor: "s1", Seq: 42, Minute: 1795000000,
		Flows: []*wirepb.Flow{{IpProto: 6, SrcIp: []byte{10, 0, 0, 1}, SrcPort: 50000, DstIp: []byte{10, 0, 0, 2}, DstPort: 502, SrcPackets: 3}},
		Names: []*wirepb.Name{{Ip: []byte{10, 0, 0, 2}, Name: "plc-01", Source: wirepb.NameSource_NAME_SOURCE_DNS, Count: 1}},
	}
}

func TestRoundTrip(t *testing.T) {
	c, err := NewCodec()
	if err != nil {
		t.Fatal(err)
	}
	in := sample()
	payload, err := c.Encode(in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(payload, []byte{0x28, 0xb5, 0x2f, 0xfd}) {
		t.Errorf("payload is not a zstd frame: % x", payload[:4])
	}
	out, err := c.Decode(payload)
	if err != nil {
		t.Fatal(err)
	}
	if out.SchemaVersion != CurrentSchema {
		t.Errorf("schema version %v, want %v", out.SchemaVersion, CurrentSchema)
	}
	if !proto.Equal(in, out) {
		t.Errorf("round trip changed the batch:\n in %v\nout %v", in, out)
	}
	if err := Verify(out, "acme", "s1"); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

func TestDecodeRejects(t *testing.T) {
	c, _ := NewCodec()
	future := sample()
	future.SchemaVersion = 99
	raw, _ := proto.Marshal(future)
	futurePayload := c.enc.EncodeAll(raw, nil)
	notProto := c.enc.EncodeAll([]byte{0xff, 0xff, 0xff}, nil)
	cases := []struct {
		name    string
		payload []byte
		want    error
	}{
		{"empty", nil, nil},
		{"garbage", []byte("hello"), nil},
		{"future schema", futurePayload, ErrSchema},
		{"not protobuf", notProto, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Decode(tc.payload)
			if err == nil {
				t.Fatal("Decode accepted it")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestTopics(t *testing.T) {
	if got := BatchTopic("acme", "s1"); got != "mimamori/v1/acme/s1/batch" {
		t.Fatalf("BatchTopic = %q", got)
	}
	cases := []struct {
		topic          string
		tenant, sensor string
		ok             bool
	}{
		{"mimamori/v1/acme/s1/batch", "acme", "s1", true},
		{"mimamori/v1/acme/s1/other", "", "", false},
		{"mimamori/v1/acme/batch", "", "", false},
		{"mimamori/v2/acme/s1/batch", "", "", false},
		{"mimamori/v1/ac me/s1/batch", "", "", false},
		{"mimamori/v1/acme/+/batch", "", "", false},
		{"mimamori/v1//s1/batch", "", "", false},
	}
	for _, tc := range cases {
		tenant, sensor, err := ParseBatchTopic(tc.topic)
		if (err == nil) != tc.ok || tenant != tc.tenant || sensor != tc.sensor {
			t.Errorf("ParseBatchTopic(%q) = %q, %q, %v", tc.topic, tenant, sensor, err)
		}
		if err != nil && !errors.Is(err, ErrTopic) {
			t.Errorf("ParseBatchTopic(%q) error %v is not ErrTopic", tc.topic, err)
		}
	}
}

func TestVerify(t *testing.T) {
	b := sample()
	if err := Verify(b, "acme", "s2"); !errors.Is(err, ErrIdentity) {
		t.Errorf("wrong sensor: %v", err)
	}
	b.Seq = 0
	if err := Verify(b, "acme", "s1"); err == nil {
		t.Error("a batch without a sequence number was accepted")
	}
}

// FuzzDecode feeds arbitrary MQTT payloads to the cloud's decoder: it must
// return an error or a batch that encodes again, never panic or balloon.
func FuzzDecode(f *testing.F) {
	c, err := NewCodec()
	if err != nil {
		f.Fatal(err)
	}
	good, _ := c.Encode(sample())
	f.Add(good)
	r := rand.New(rand.NewPCG(5, 6))
	full := sample()
	full.OtEvents, full.Devices = randomEvents(r, 6, full.Minute), randomDevices(r, 5, full.Minute)
	full.Identities = []*wirepb.Identity{{Protocol: "enip", Ip: []byte{10, 0, 0, 2}, Vendor: "Rockwell", SeenUnixNs: full.Minute*1e9 + 7e9}}
	withColumns, _ := c.Encode(full)
	f.Add(withColumns)
	f.Add([]byte{})
	f.Add([]byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0})
	f.Add(good[:len(good)/2])
	f.Fuzz(func(t *testing.T, payload []byte) {
		b, err := c.Decode(payload)
		if err != nil {
			return
		}
		if _, err := c.Encode(b); err != nil {
			t.Fatalf("decoded batch does not encode: %v", err)
		}
	})
}

func FuzzParseBatchTopic(f *testing.F) {
	f.Add("mimamori/v1/acme/s1/batch")
	f.Add("mimamori/v1/a/b/c/batch")
	f.Fuzz(func(t *testing.T, topic string) {
		tenant, sensor, err := ParseBatchTopic(topic)
		if err != nil {
			return
		}
		if BatchTopic(tenant, sensor) != topic {
			t.Fatalf("ParseBatchTopic(%q) = %q, %q, which does not rebuild the topic", topic, tenant, sensor)
		}
	})
}
