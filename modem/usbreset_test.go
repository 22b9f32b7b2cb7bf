package modem

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fakeSysfs lays out a dongle the way Linux does: the tty's device link
// points at the usb-serial port, below the USB interface, below the USB
// device that has idVendor and authorized.
func fakeSysfs(t *testing.T) (root, authorized string) {
	t.Helper()
	root = t.TempDir()
	usbDev := filepath.Join(root, "devices", "pci0000:00", "0000:00:14.0", "usb1", "1-2")
	port := filepath.Join(usbDev, "1-2:1.2", "ttyUSB2")
	for _, d := range []string{port, filepath.Join(root, "class", "tty", "ttyUSB2")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, body := range map[string]string{"idVendor": "12d1\n", "authorized": "1\n"} {
		if err := os.WriteFile(filepath.Join(usbDev, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(port, filepath.Join(root, "class", "tty", "ttyUSB2", "device")); err != nil {
		t.Fatal(err)
	}
	return root, filepath.Join(usbDev, "authorized")
}

func TestSysfsUSBReset(t *testing.T) {
	root, authorized := fakeSysfs(t)
	// The configured device is a by-id link to a node named like the tty.
	devDir := t.TempDir()
	node := filepath.Join(devDir, "ttyUSB2")
	if err := os.WriteFile(node, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	byID := filepath.Join(devDir, "usb-HUAWEI_Mobile-if02-port0")
	if err := os.Symlink(node, byID); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(authorized, []byte("1"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A long pause, ended by the context once the dongle was seen
	// de-authorized: the hook must still authorize it again.
	reset := SysfsUSBReset(root, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- reset(ctx, byID) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, _ := os.ReadFile(authorized); string(b) == "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the USB device was never de-authorized")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(authorized)
	if string(b) != "1" {
		t.Errorf("authorized = %q after the reset, want 1", b)
	}
}

func TestSysfsUSBResetErrors(t *testing.T) {
	root, _ := fakeSysfs(t)
	reset := SysfsUSBReset(root, 1)
	if err := reset(context.Background(), "/dev/ttyUSB9"); err == nil {
		t.Error("an unknown tty was reset")
	}
	// A tty that is not on USB (a built-in UART).
	uart := filepath.Join(root, "devices", "platform", "serial8250", "tty", "ttyS0")
	os.MkdirAll(uart, 0o755)
	os.MkdirAll(filepath.Join(root, "class", "tty", "ttyS0"), 0o755)
	os.Symlink(uart, filepath.Join(root, "class", "tty", "ttyS0", "device"))
	if err := reset(context.Background(), "/dev/ttyS0"); err == nil {
		t.Error("a non-USB tty was reset")
	}
}
