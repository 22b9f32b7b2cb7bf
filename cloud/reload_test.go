package cloud_test

import (
	"errors"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"mimamori/cloud"
	"mimamori/edge/wire"
	"mimamori/edge/wire/wirepb"
	"mimamori/web/portaltest"
)

// mqttLogin logs in at the cloud's broker as user and returns the client,
// and a channel closed when the broker drops it.
func mqttLogin(t *testing.T, url, user, pass string) (paho.Client, <-chan struct{}, error) {
	t.Helper()
	lost := make(chan struct{})
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("reload-" + user).
		SetUsername(user).SetPassword(pass).SetAutoReconnect(false).SetProtocolVersion(4).
		SetConnectionLostHandler(func(paho.Client, error) { close(lost) }))
	tok := c.Connect()
	if !tok.WaitTimeout(5 * time.Second) {
		return nil, nil, errors.New("connect timed out")
	}
	if tok.Error() != nil {
		return nil, nil, tok.Error()
	}
	t.Cleanup(func() { c.Disconnect(0) })
	return c, lost, nil
}

// publishBatch publishes sensor's batch seq and waits for its PUBACK.
func publishBatch(t *testing.T, c paho.Client, sensor string, seq uint64) error {
	t.Helper()
	codec, _ := wire.NewCodec()
	p, err := codec.Encode(&wirepb.Batch{Tenant: "acme", Sensor: sensor, Seq: seq, Minute: 1795000000 + int64(seq)*60})
	if err != nil {
		t.Fatal(err)
	}
	tok := c.Publish(wire.BatchTopic("acme", sensor), 1, false, p)
	if !tok.WaitTimeout(5 * time.Second) {
		return errors.New("no PUBACK")
	}
	return tok.Error()
}

func waitClosed(t *testing.T, what string, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: still connected", what)
	}
}

// TestReload: tenants, sensors and users change without a restart; a
// sensor removed or given a new password is disconnected; a change that
// takes a restart is refused and the running configuration kept.
func TestReload(t *testing.T) {
	cfg := testConfig(t.TempDir())
	c, err := cloud.Start(t.Context(), cfg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer within(t, time.Minute, "cloud.Close", func() { c.Close() })
	s1, s1Lost, err := mqttLogin(t, c.MQTTURL(), "s1", sensorSecret)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := mqttLogin(t, c.MQTTURL(), "s2", "second-sensor-secret"); err == nil {
		t.Fatal("s2 logged in before it was added")
	}

	// Add s2 and a user.
	next := testConfig(cfg.DataDir)
	tn := &next.Tenants[0]
	tn.Sensors = append(tn.Sensors, cloud.Sensor{ID: "s2", DisplayName: "第2工場", Password: "second-sensor-secret"})
	tn.Users = append(tn.Users, cloud.User{Email: "line2@acme.example", Name: "第2工場", Password: "another horse battery"})
	if err := c.Reload(t.Context(), next); err != nil {
		t.Fatal(err)
	}
	s2, s2Lost, err := mqttLogin(t, c.MQTTURL(), "s2", "second-sensor-secret")
	if err != nil {
		t.Fatalf("s2 after it was added: %v", err)
	}
	if err := publishBatch(t, s2, "s2", 1); err != nil {
		t.Fatal(err)
	}
	if st := c.Ingest.Stats(); st.Ingested != 1 || st.Rejected != 0 {
		t.Fatalf("s2's batch: %+v, want it ingested", st)
	}
	portaltest.Login(t, "http://"+c.HTTPAddr(), "line2@acme.example", "another horse battery")
	if err := publishBatch(t, s1, "s1", 1); err != nil {
		t.Fatalf("s1, unchanged, after the reload: %v", err)
	}

	// A new password for s1, and s2 removed: both are disconnected.
	later := testConfig(cfg.DataDir)
	later.Tenants[0].Sensors[0].Password = "a-new-s1-password"
	later.Tenants[0].Users = tn.Users
	if err := c.Reload(t.Context(), later); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, "s1 after its password changed", s1Lost)
	waitClosed(t, "s2 after it was removed", s2Lost)
	if _, _, err := mqttLogin(t, c.MQTTURL(), "s1", sensorSecret); err == nil {
		t.Error("s1 logged in with its old password")
	}
	if _, _, err := mqttLogin(t, c.MQTTURL(), "s2", "second-sensor-secret"); err == nil {
		t.Error("s2 logged in after it was removed")
	}
	s1, _, err = mqttLogin(t, c.MQTTURL(), "s1", "a-new-s1-password")
	if err != nil {
		t.Fatalf("s1 with its new password: %v", err)
	}
	if err := publishBatch(t, s1, "s1", 2); err != nil {
		t.Fatal(err)
	}

	// What takes a restart is refused, and nothing of it applied.
	bad := later
	bad.MQTTListen = "127.0.0.1:1"
	bad.Tenants = next.Tenants // would bring s2 back
	if err := c.Reload(t.Context(), bad); err == nil {
		t.Fatal("a new broker address was taken without a restart")
	}
	if _, _, err := mqttLogin(t, c.MQTTURL(), "s2", "second-sensor-secret"); err == nil {
		t.Error("a refused reload brought s2 back")
	}
	invalid := later
	invalid.Tenants = append([]cloud.Tenant{}, later.Tenants...)
	invalid.Tenants[0].Sensors = []cloud.Sensor{{ID: "s 1", Password: "long-enough-secret"}}
	if err := c.Reload(t.Context(), invalid); err == nil {
		t.Fatal("an invalid configuration was taken")
	}
	if st := c.Ingest.Stats(); st.Ingested != 3 || st.Rejected != 0 {
		t.Errorf("ingest %+v, want 3 batches stored", st)
	}
}
