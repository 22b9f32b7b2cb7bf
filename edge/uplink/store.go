package uplink

import (
	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"
)

// copyingStore is paho's memory store, except that a PUBLISH is stored as
// a copy and handed out as a copy. With the memory store, the packet a
// Publish queues for the connection's writer, the one the store keeps and
// the one paho's resume re-sends after a reconnect are all the same: the
// writer sets its length while writing it, and resume sets its DUP flag,
// from different goroutines (paho.mqtt.golang issue 703, open in v1.5.1).
// With copies, no packet is written by one goroutine while another holds
// it. Publish stores the packet before queueing it, so the copy on Put
// reads it while it is still only its own. The payload is shared and
// only read.
type copyingStore struct {
	*mqtt.MemoryStore
}

func newCopyingStore() copyingStore {
	return copyingStore{mqtt.NewMemoryStore()}
}

func (s copyingStore) Put(key string, p packets.ControlPacket) {
	s.MemoryStore.Put(key, copyPublish(p))
}

func (s copyingStore) Get(key string) packets.ControlPacket {
	return copyPublish(s.MemoryStore.Get(key))
}

// copyPublish returns a copy of p if it is a PUBLISH, else p.
func copyPublish(p packets.ControlPacket) packets.ControlPacket {
	if pub, ok := p.(*packets.PublishPacket); ok && pub != nil {
		cp := *pub
		return &cp
	}
	return p
}
