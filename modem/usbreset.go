package modem

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// SysfsUSBReset returns a USB reset hook for Config.USBReset. It finds the
// USB device behind a tty through sysfs (root is normally /sys) and
// de-authorizes and re-authorizes it, which disconnects the dongle
// logically and makes the kernel enumerate it afresh, as a replug would.
// It needs root. The tty's name is resolved through symlinks, so a
// /dev/serial/by-id path works as well as /dev/ttyUSB2.
func SysfsUSBReset(root string, pause time.Duration) func(ctx context.Context, device string) error {
	if root == "" {
		root = "/sys"
	}
	if pause <= 0 {
		pause = time.Second
	}
	return func(ctx context.Context, device string) error {
		dir, err := usbDeviceDir(root, device)
		if err != nil {
			return err
		}
		auth := filepath.Join(dir, "authorized")
		if err := os.WriteFile(auth, []byte("0"), 0); err != nil {
			return fmt.Errorf("modem: USB reset %s: %w", dir, err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
		// Re-authorize even if ctx ended: a de-authorized dongle stays
		// off until someone does.
		if err := os.WriteFile(auth, []byte("1"), 0); err != nil {
			return fmt.Errorf("modem: USB reset %s: re-authorize: %w", dir, err)
		}
		return nil
	}
}

// usbDeviceDir walks from /sys/class/tty/<tty>/device up to the USB device
// (the directory with idVendor and authorized), past the interface.
func usbDeviceDir(root, device string) (string, error) {
	name := filepath.Base(device)
	if real, err := filepath.EvalSymlinks(device); err == nil {
		name = filepath.Base(real)
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", fmt.Errorf("modem: USB reset: %w", err)
	}
	p, err := filepath.EvalSymlinks(filepath.Join(root, "class", "tty", name, "device"))
	if err != nil {
		return "", fmt.Errorf("modem: USB reset: %s is not a tty in sysfs: %w", name, err)
	}
	for dir := p; strings.HasPrefix(dir, realRoot+string(filepath.Separator)); dir = filepath.Dir(dir) {
		if isFile(filepath.Join(dir, "idVendor")) && isFile(filepath.Join(dir, "authorized")) {
			return dir, nil
		}
	}
	return "", fmt.Errorf("modem: USB reset: %s is not on a USB device", name)
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
