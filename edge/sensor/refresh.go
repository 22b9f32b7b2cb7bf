package sensor

import (
	"hash/maphash"
	"strconv"

	"google.golang.org/protobuf/proto"

	"mimamori/edge/wire/wirepb"
)

// IdentityRefresh thins the identities a sensor uploads. A PLC answering
// its HMI's poll reports the same identity every minute (a CC-Link IE
// Field Basic station in every cyclic response), and the cloud keeps each
// identity's values, not its minutes, so the batcher sends one when what
// it says changes and otherwise once per hour of batch time, which keeps
// its last report in the cloud at most an hour old. A restarted batcher
// starts empty and so sends everything again.
type IdentityRefresh struct {
	seed maphash.Seed
	last map[string]sentIdentity // by protocol, address, MAC and VLAN
}

type sentIdentity struct {
	sum  uint64 // what it said
	hour int64  // the hour (Unix seconds / 3600) of the batch that carried it
}

// NewIdentityRefresh returns an IdentityRefresh that has sent nothing yet.
func NewIdentityRefresh() *IdentityRefresh {
	return &IdentityRefresh{seed: maphash.MakeSeed(), last: map[string]sentIdentity{}}
}

// Filter returns the identities of the batch for minute (Unix seconds)
// that are to be sent, reusing ids' array.
func (r *IdentityRefresh) Filter(minute int64, ids []*wirepb.Identity) []*wirepb.Identity {
	hour := minute / 3600
	for k, s := range r.last {
		if s.hour < hour-1 {
			delete(r.last, k) // not heard for over an hour: forget it
		}
	}
	out := ids[:0]
	for _, x := range ids {
		key := x.Protocol + "\x00" + string(x.Ip) + "\x00" + string(x.Mac) + "\x00" + strconv.FormatUint(uint64(x.Vlan), 10)
		seen := x.SeenUnixNs
		x.SeenUnixNs = 0
		raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(x)
		x.SeenUnixNs = seen
		if err != nil {
			out = append(out, x)
			continue
		}
		sum := maphash.Bytes(r.seed, raw)
		if s, ok := r.last[key]; ok && s.sum == sum && s.hour == hour {
			continue
		}
		r.last[key] = sentIdentity{sum: sum, hour: hour}
		out = append(out, x)
	}
	clear(ids[len(out):])
	return out
}
