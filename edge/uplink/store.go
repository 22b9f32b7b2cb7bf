package uplink

import (
	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"
)

// copyingStore is paho's memory store, except that Get hands out a copy of
// a stored PUBLISH. On a reconnect paho's resume takes each unacknowledged
// PUBLISH from the store and sets its DUP flag; with the memory store that
// is the very packet a Publish made before the link dropped may still be
// handing to the new connection's writer, and the two goroutines race on
// the flag (paho.mqtt.golang issue 703, open in v1.5.1). A copy keeps the
// flag's write to a packet no other goroutine holds; the payload is shared
// and only read.
type copyingStore struct {
	*mqtt.MemoryStore
}

func newCopyingStore() copyingStore {
	return copyingStore{mqtt.NewMemoryStore()}
}

func (s copyingStore) Get(key string) packets.ControlPacket {
	p := s.MemoryStore.Get(key)
	if pub, ok := p.(*packets.PublishPacket); ok {
		cp := *pub
		return &cp
	}
	return p
}
