package uplink

import (
	"testing"

	"github.com/eclipse/paho.mqtt.golang/packets"
)

// Neither what the writer does to a queued PUBLISH nor what resume does to
// a stored one reaches the other.
func TestStoreCopiesPublish(t *testing.T) {
	s := newCopyingStore()
	s.Open()
	defer s.Close()
	orig := packets.NewControlPacket(packets.Publish).(*packets.PublishPacket)
	orig.Qos, orig.MessageID, orig.TopicName, orig.Payload = 1, 7, "t", []byte("batch")
	s.Put("o.7", orig)
	orig.RemainingLength = 99 // as the writer does while writing it

	got, ok := s.Get("o.7").(*packets.PublishPacket)
	if !ok {
		t.Fatalf("Get returned %T, want a PUBLISH", s.Get("o.7"))
	}
	if got == orig {
		t.Fatal("Get returned the packet given to Put")
	}
	if got.RemainingLength == 99 {
		t.Error("a change to the packet given to Put reached the stored one")
	}
	if got.MessageID != 7 || got.TopicName != "t" || string(got.Payload) != "batch" || got.Qos != 1 {
		t.Errorf("copy = %+v, want the stored packet's fields", got)
	}
	got.Dup = true // as resume does
	if again := s.Get("o.7").(*packets.PublishPacket); again == got || again.Dup {
		t.Error("setting DUP on the packet from Get changed the stored one")
	}

	rel := packets.NewControlPacket(packets.Pubrel).(*packets.PubrelPacket)
	rel.MessageID = 8
	s.Put("o.8", rel)
	if s.Get("o.8") != rel {
		t.Error("other packets should come back as stored")
	}
	s.Del("o.7")
	if s.Get("o.7") != nil {
		t.Error("Del did not remove the PUBLISH")
	}
}
