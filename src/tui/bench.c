/* SPDX-License-Identifier: MIT
 * The bench screen: pick a port and a preset, check the regions, press one key. This file
 * owns the state and the keys (key() changes state and returns flags, never draws) and
 * turns actions into jobs; bench_draw.c draws, bench_job.c runs the jobs. */
#include "tui/tui.h"

#include <curses.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "app/config.h"
#include "app/preset.h"
#include "app/exit.h"
#include "core/util.h"
#include "image/image.h"
#include "journal/journal.h"
#include "link/link.h"
#include "tui/bench.h"
#include "tui/dialog.h"
#include "tui/format.h"
#include "tui/hexview.h"
#include "tui/tui_int.h"

#define KEY_ESC	   27
#define KEY_CTRL_R 18

static const char *const baud_values[] = {"115200", "230400", "460800", "921600",
					  "74880",  "57600",  "9600"};
static const char *const mode_values[] = {"preset", "qio", "qout", "dio", "dout", "keep"};
static const char *const size_values[] = {"preset", "keep",   "detect", "256KB",  "512KB", "1MB",
					  "2MB",    "2MB-c1", "4MB",	"4MB-c1", "8MB",   "16MB"};
static const char *const freq_values[] = {"preset", "40m", "26m", "20m", "80m", "keep"};
static const char *const before_values[] = {"default_reset", "no_reset", "manual",
					    "no_reset_no_sync"};
static const char *const after_values[] = {"hard_reset", "soft_reset", "no_reset", "no_reset_stub"};
static const char *const verify_values[] = {"on", "off"};
static const char *const boot_values[] = {"preset", "on", "off"};
static const char *const boot_time_values[] = {"preset", "3000", "1000", "5000", "10000"};

static const struct {
	const char *name;
	const char *const *values;
	size_t count;
} settings[SET_COUNT] = {
    [SET_BAUD] = {"baud", baud_values, 7},
    [SET_MODE] = {"mode", mode_values, 6},
    [SET_SIZE] = {"size", size_values, 12},
    [SET_FREQ] = {"freq", freq_values, 6},
    [SET_BEFORE] = {"before", before_values, 4},
    [SET_AFTER] = {"after", after_values, 4},
    [SET_VERIFY] = {"verify", verify_values, 2},
    [SET_BOOT] = {"boot", boot_values, 3},
    [SET_BOOT_TIME] = {"listen", boot_time_values, 5},
};

const char *bench_setting_name(enum bench_setting s)
{
	return settings[s].name;
}

/* The effective value: "preset" resolves to the loaded preset's own parameter. */
const char *bench_setting_value(const struct bench *b, enum bench_setting s)
{
	const char *v = settings[s].values[b->setting[s]];
	if (strcmp(v, "preset") || s == SET_BOOT || s == SET_BOOT_TIME)
		return v;
	const char *p = s == SET_MODE	? b->layout.flash_mode
			: s == SET_SIZE ? b->layout.flash_size
					: b->layout.flash_freq;
	return b->loaded && p[0] ? p : "keep";
}

static size_t index_of(enum bench_setting s, const char *value)
{
	for (size_t i = 0; i < settings[s].count; i++)
		if (!strcasecmp(settings[s].values[i], value))
			return i;
	return 0;
}

void bench_refresh_bauds(struct bench *b)
{
	memset(&b->bauds, 0, sizeof b->bauds);
	if (!b->nports)
		return;
	char key[320];
	struct ed_error err;
	baudmem_bridge_key(b->ports[b->port_sel].spec, key, sizeof key);
	if (baudmem_lookup(key, &b->bauds, &err) < 0)
		memset(&b->bauds, 0, sizeof b->bauds);
}

const char *bench_baud_note(const struct bench *b, const char *value, bool *failed)
{
	uint32_t baud = 0;
	*failed = false;
	if (!ed_parse_u32(value, &baud))
		return "";
	if (b->bauds.failed && baud >= b->bauds.failed) {
		*failed = true;
		return baud == b->bauds.failed ? " (failed here last time)"
					       : " (above a rate that failed here)";
	}
	return baud == b->bauds.worked ? " (worked here last time)" : "";
}

static void apply_settings(struct bench *b)
{
	bench_refresh_bauds(b);
	b->run_cfg = *b->cfg;
	b->run_cfg.port_count = b->nports ? 1 : 0;
	b->run_cfg.ports[0] = b->nports ? b->ports[b->port_sel].spec : NULL;
	ed_parse_u32(bench_setting_value(b, SET_BAUD), &b->run_cfg.baud);
	b->run_cfg.before = bench_setting_value(b, SET_BEFORE);
	b->run_cfg.after = bench_setting_value(b, SET_AFTER);
}

void bench_select_preset(struct bench *b, size_t i)
{
	const struct layout_entry *e = b->cat ? layout_catalog_get(b->cat, i) : NULL;
	bool same = b->loaded && e && !strcmp(e->path, b->layout.path);
	layout_files_finish(&b->files);
	memset(&b->rep, 0, sizeof b->rep);
	b->loaded = b->parse_ok = b->files_ok = false;
	b->load_error[0] = '\0';
	b->force_note[0] = '\0';
	if (!e)
		return;
	b->preset_sel = i;
	struct ed_error err = {0};
	int rc = layout_load(e->path, &b->layout, &b->rep, &err);
	if (rc < 0 && rc != ED_ERR_FORMAT) {
		snprintf(b->load_error, sizeof b->load_error, "%s", err.msg);
		return;
	}
	b->loaded = true;
	b->parse_ok = rc == ED_OK;
	if (b->parse_ok)
		b->files_ok =
		    layout_resolve(&b->layout, b->cfg->firmware_path, &b->files, &b->rep) == ED_OK;
	if (!same) {
		for (size_t k = 0; k < LAYOUT_MAX_REGIONS; k++)
			b->checked[k] = true;
		b->region_sel = 0;
		for (size_t k = 0; k < b->rep.count; k++) {
			char line[512];
			layout_diag_format(&b->layout, &b->rep.items[k], line, sizeof line);
			bench_log(b, b->rep.items[k].severity == LAYOUT_ERROR ? 0 : 1, "%s", line);
		}
	}
}

static void load_catalog(struct bench *b)
{
	char keep[LAYOUT_NAME_MAX] = "";
	const struct layout_entry *cur = b->cat ? layout_catalog_get(b->cat, b->preset_sel) : NULL;
	if (cur)
		snprintf(keep, sizeof keep, "%s", cur->name);
	else if (b->cfg->preset)
		snprintf(keep, sizeof keep, "%s", b->cfg->preset);
	layout_catalog_destroy(b->cat);
	b->cat = NULL;
	struct ed_error err = {0};
	if (layout_catalog_create(&b->cat, &err) < 0) {
		bench_log(b, 0, "presets: %s", err.msg);
		return;
	}
	if (layout_catalog_count(b->cat) == 0)
		bench_log(b, 0, "no presets found (searched %s)", layout_catalog_dirs(b->cat));
	long i = keep[0] ? layout_catalog_find(b->cat, keep) : -1;
	if (keep[0] && i < 0)
		bench_log(b, 1, "preset '%s' not found (searched %s)", keep,
			  layout_catalog_dirs(b->cat));
	b->loaded = false;
	bench_select_preset(b, i < 0 ? 0 : (size_t)i);
}

/* --- actions ------------------------------------------------------------------------ */

static size_t add_step(struct bench *b, struct job_step st, const char *label)
{
	size_t i = b->nsteps++;
	snprintf(b->step_label[i], sizeof b->step_label[i], "%s", label);
	st.name = b->step_label[i];
	b->steps[i] = st;
	return i;
}

static bool all_checked(const struct bench *b)
{
	for (size_t i = 0; i < b->layout.region_count; i++)
		if (b->files.regions[i].data && !b->checked[i])
			return false;
	return true;
}

static bool ready_preset(struct bench *b, const char *what)
{
	/* A verify only reads: an image built for another flash size (which a write takes
	 * after the warning) is compared like any other file. */
	char note[sizeof b->force_note];
	if (!strcmp(what, "verify") && b->loaded && b->parse_ok &&
	    app_preset_can_force(&b->files, &b->rep, note, sizeof note))
		return true;
	if (!b->loaded || !b->parse_ok || !b->files_ok) {
		bench_log(b, 0,
			  "%s: the preset is not ready (see its problems above); nothing "
			  "touched the board",
			  what);
		return false;
	}
	return true;
}

static void do_write(void *ctx, struct tui *ui)
{
	struct bench *b = ctx;
	struct job_step steps[BENCH_MAX_STEPS];
	size_t n =
	    app_preset_steps(&b->layout, &b->files, all_checked(b) ? NULL : b->checked, steps);
	b->nsteps = 0;
	for (size_t i = 0; i < n; i++)
		add_step(b, steps[i], steps[i].name ? steps[i].name : "");
	char title[96];
	snprintf(title, sizeof title, "write %s", b->layout.name);
	bench_job_start(b, ACT_WRITE, title, bench_checked_ports(b) > 0);
}

static void confirm_write(struct bench *b);

static void do_force(void *ctx, struct tui *ui)
{
	struct bench *b = ctx;
	char note[sizeof b->force_note];
	if (!app_preset_can_force(&b->files, &b->rep, note, sizeof note))
		return;
	snprintf(b->force_note, sizeof b->force_note, "%s", note);
	bench_log(b, 1, "write: preset check overridden (%s); the journal line says so", note);
	confirm_write(b);
}

/* A preset whose only problem is an image built for another flash size (a vendor's bin
 * the technician cannot rebuild): the refusal becomes a warning to confirm (issue 15). */
static bool ask_force(struct bench *b)
{
	char note[sizeof b->force_note];
	if (!b->loaded || !b->parse_ok ||
	    !app_preset_can_force(&b->files, &b->rep, note, sizeof note))
		return false;
	/* The first such diagnostic with the file's name instead of its path (the dialog
	 * is narrow): "region 'user1': user1.bin was built for flash size 2MB-c1 ...". */
	char text[512] = "";
	for (size_t i = 0; i < b->rep.count && !text[0]; i++) {
		const char *m = b->rep.items[i].msg;
		const char *path = strstr(m, "': ");
		const char *built = strstr(m, " was built for ");
		if (!b->rep.items[i].overridable || !path || !built || built < path)
			continue;
		char file[256];
		snprintf(file, sizeof file, "%.*s", (int)(built - path - 3), path + 3);
		snprintf(text, sizeof text, "%.*s%.60s%.200s.", (int)(path + 3 - m), m,
			 ed_basename(file), built);
	}
	size_t used = strlen(text);
	snprintf(text + used, sizeof text - used,
		 " Write it anyway? Only if it is right for this board (a vendor's bin you "
		 "cannot rebuild).");
	tui_push(b->ui, dialog_confirm("Preset check: another flash size", text, do_force, b));
	return true;
}

static void ask_write(struct bench *b)
{
	/* Files may have been rebuilt since the preset was selected: look again, so what
	 * is validated is what gets written. */
	bench_select_preset(b, b->preset_sel);
	if (ask_force(b))
		return;
	if (!ready_preset(b, "write"))
		return;
	confirm_write(b);
}

static void confirm_write(struct bench *b)
{
	struct job_step steps[BENCH_MAX_STEPS];
	bool all = all_checked(b);
	size_t n = app_preset_steps(&b->layout, &b->files, all ? NULL : b->checked, steps);
	if (!n) {
		bench_log(b, 1, "write: no checked region has a file; nothing to do");
		return;
	}
	uint64_t bytes = 0;
	size_t regions = 0;
	for (size_t i = 0; i < n; i++)
		if (steps[i].kind == JOB_STEP_WRITE) {
			bytes += steps[i].size;
			regions++;
		}
	char size[24], text[512], where[64];
	size_t boards = bench_checked_ports(b);
	snprintf(where, sizeof where, "%zu checked boards at once", boards);
	snprintf(text, sizeof text, "Write %s%zu region%s of preset %s (%s) to %s? %s",
		 all ? "all " : "", regions, regions == 1 ? "" : "s", b->layout.name,
		 ed_format_size(size, sizeof size, bytes), boards ? where : b->run_cfg.ports[0],
		 all && b->layout.erase == LAYOUT_ERASE_CHIP
		     ? "The whole chip is erased first."
		     : "The regions' sectors are erased first.");
	tui_push(b->ui, dialog_confirm("Write preset", text, do_write, b));
}

static void do_erase(void *ctx, struct tui *ui)
{
	struct bench *b = ctx;
	b->nsteps = 0;
	add_step(b, (struct job_step){.kind = JOB_STEP_ERASE_CHIP}, "chip");
	bench_job_start(b, ACT_ERASE, "erase chip", false);
}

static void do_verify(struct bench *b)
{
	bench_select_preset(b, b->preset_sel);
	if (!ready_preset(b, "verify"))
		return;
	b->nsteps = 0;
	for (size_t i = 0; i < b->layout.region_count; i++) {
		const struct layout_file *f = &b->files.regions[i];
		if (!f->data || !b->checked[i])
			continue;
		add_step(b,
			 (struct job_step){.kind = JOB_STEP_VERIFY,
					   .offset = b->layout.regions[i].offset,
					   .size = f->size,
					   .data = f->data},
			 b->layout.regions[i].name);
	}
	if (!b->nsteps) {
		bench_log(b, 1, "verify: no checked region has a file");
		return;
	}
	bench_job_start(b, ACT_VERIFY, "verify", false);
}

static bool read_ok(void *ctx, struct tui *ui, const struct dialog_field *f, size_t n, char *error,
		    size_t cap)
{
	struct bench *b = ctx;
	uint32_t addr, size;
	if (!ed_parse_u32(f[0].value, &addr)) {
		snprintf(error, cap, "address '%s' is not a number (0x3fe000)", f[0].value);
		return false;
	}
	if (!ed_parse_size(f[1].value, &size) || size == 0) {
		snprintf(error, cap, "size '%s' is not a size (2048, 0x800, 4k)", f[1].value);
		return false;
	}
	if (!f[2].value[0]) {
		snprintf(error, cap, "give a file name for the dump");
		return false;
	}
	/* The proposed name follows the address when the user changed only the address. */
	if (!strcmp(f[2].value, b->read_default))
		tui_dump_name(b->read_path, sizeof b->read_path, addr);
	else
		snprintf(b->read_path, sizeof b->read_path, "%s", f[2].value);
	b->nsteps = 0;
	add_step(b,
		 (struct job_step){
		     .kind = JOB_STEP_READ, .offset = addr, .size = size, .path = b->read_path},
		 "read");
	char title[96];
	snprintf(title, sizeof title, "read 0x%x +0x%x", addr, size);
	bench_job_start(b, ACT_READ, title, false);
	return true;
}

/* The proposed dump name follows the address as it is typed, until the user edits the
 * name (then it is theirs). */
static void read_changed(void *ctx, struct dialog_field *f, size_t n, size_t edited)
{
	struct bench *b = ctx;
	uint32_t addr;
	if (edited != 0 || strcmp(f[2].value, b->read_default) || !ed_parse_u32(f[0].value, &addr))
		return;
	tui_dump_name(b->read_default, sizeof b->read_default, addr);
	snprintf(f[2].value, sizeof f[2].value, "%s", b->read_default);
}

static void ask_read(struct bench *b)
{
	struct dialog_field f[3] = {{"address", ""}, {"size", ""}, {"file", ""}};
	uint32_t addr = 0x3FE000, size = 2048; /* the seed's dump: read_flash 0x3fe000 2048 */
	if (b->loaded && b->region_sel < b->layout.region_count) {
		const struct layout_region *r = &b->layout.regions[b->region_sel];
		const struct layout_file *lf = &b->files.regions[b->region_sel];
		addr = r->offset;
		size = layout_region_extent(r, lf->data ? lf->size : 0);
		if (!size)
			size = LAYOUT_SECTOR;
	}
	snprintf(f[0].value, sizeof f[0].value, "0x%x", addr);
	snprintf(f[1].value, sizeof f[1].value, "0x%x", size);
	tui_dump_name(b->read_default, sizeof b->read_default, addr);
	snprintf(f[2].value, sizeof f[2].value, "%s", b->read_default);
	struct screen *form = dialog_form("Read a block of flash", f, 3, read_ok, b);
	dialog_form_on_change(form, read_changed);
	tui_push(b->ui, form);
}

void bench_open_dump(struct bench *b, const char *path)
{
	struct ed_error err = {0};
	struct screen *s = hexview_screen_create(b->cfg, path, NULL, false, 0, &err);
	if (!s) {
		bench_log(b, 0, "hex viewer: %s", err.msg);
		return;
	}
	if (b->loaded)
		hexview_screen_flash_size(s, b->layout.flash_bytes);
	tui_push(b->ui, s);
}

static bool dump_ok(void *ctx, struct tui *ui, const struct dialog_field *f, size_t n, char *error,
		    size_t cap)
{
	struct bench *b = ctx;
	struct ed_error err = {0};
	struct screen *s = hexview_screen_create(b->cfg, f[0].value, NULL, false, 0, &err);
	if (!s) {
		snprintf(error, cap, "%s", err.msg);
		return false;
	}
	if (b->loaded)
		hexview_screen_flash_size(s, b->layout.flash_bytes);
	tui_push(ui, s);
	return true;
}

static void ask_dump(struct bench *b)
{
	struct dialog_field f[1] = {{"dump file", ""}};
	snprintf(f[0].value, sizeof f[0].value, "%.255s", b->last_dump);
	tui_push(b->ui, dialog_form("Open a dump in the hex viewer", f, 1, dump_ok, b));
}

static bool ota_run(struct bench *b, const char *elf, const char *out, char *error, size_t cap)
{
	if (bench_make_ota(b, elf, out, error, cap) < 0)
		return false;
	bench_select_preset(b, b->preset_sel); /* the new bins change the statuses */
	snprintf(b->ota_dir, sizeof b->ota_dir, "%s", out);
	bench_ask_publish(b); /* pushed on top: offered right away, Esc skips it */
	return true;
}

static void ask_ota_with(struct bench *b, const char *elf, const char *out, const char *error);

/* "Create the folder?" answered yes: create it, make the bins; on failure the form again
 * with the reason. */
static void ota_create_yes(void *ctx, struct tui *ui)
{
	struct bench *b = ctx;
	char error[1024] = "";
	if (bench_mkdir_p(b->ota_out, error, sizeof error) == 0) {
		bench_log(b, 2, "OTA: created the folder %s", b->ota_out);
		if (ota_run(b, b->ota_elf, b->ota_out, error, sizeof error))
			return;
	}
	ask_ota_with(b, b->ota_elf, b->ota_out, error);
}

static bool ota_ok(void *ctx, struct tui *ui, const struct dialog_field *f, size_t n, char *error,
		   size_t cap)
{
	struct bench *b = ctx;
	struct stat st;
	if (f[1].value[0] && stat(f[1].value, &st) != 0 && errno == ENOENT) {
		/* A missing output folder is created, after asking (issue 15). */
		snprintf(b->ota_elf, sizeof b->ota_elf, "%s", f[0].value);
		snprintf(b->ota_out, sizeof b->ota_out, "%s", f[1].value);
		char text[512];
		snprintf(text, sizeof text,
			 "The output folder %s does not exist. Create it and write user1.bin "
			 "and user2.bin there?",
			 b->ota_out);
		tui_push(ui, dialog_confirm("Create the output folder?", text, ota_create_yes, b));
		return true;
	}
	return ota_run(b, f[0].value, f[1].value, error, cap);
}

static void ask_ota_with(struct bench *b, const char *elf, const char *out, const char *error)
{
	struct dialog_field f[2] = {{"ELF", ""}, {"output dir", ""}};
	snprintf(f[0].value, sizeof f[0].value, "%s", elf);
	snprintf(f[1].value, sizeof f[1].value, "%s", out);
	struct screen *form =
	    dialog_form("Make OTA bins (gen_appbin user1.bin + user2.bin)", f, 2, ota_ok, b);
	dialog_form_set_error(form, error);
	tui_push(b->ui, form);
}

static void ask_ota(struct bench *b)
{
	char elf[512];
	snprintf(elf, sizeof elf, "%s/demo.elf", b->cfg->firmware_dir);
	ask_ota_with(b, elf, b->cfg->firmware_dir, "");
}

static void quit_yes(void *ctx, struct tui *ui)
{
	struct bench *b = ctx;
	b->quit_after_job = true;
	bench_job_cancel(b);
}

extern const char *const bench_help_lines[];
extern const size_t bench_help_count;

static int move_sel(size_t *sel, size_t count, int delta)
{
	if (!count)
		return SCREEN_NONE;
	long v = (long)*sel + delta;
	if (v < 0)
		v = 0;
	if (v >= (long)count)
		v = (long)count - 1;
	if ((size_t)v == *sel)
		return SCREEN_NONE;
	*sel = (size_t)v;
	return SCREEN_REDRAW;
}

static int pane_move(struct bench *b, int delta)
{
	int flags = SCREEN_NONE;
	switch (b->focus) {
	case PANE_PORTS:
		flags = move_sel(&b->port_sel, b->nports, delta);
		apply_settings(b);
		break;
	case PANE_PRESETS: {
		size_t sel = b->preset_sel;
		flags = move_sel(&sel, b->cat ? layout_catalog_count(b->cat) : 0, delta);
		if (flags)
			bench_select_preset(b, sel);
		break;
	}
	case PANE_REGIONS:
		flags = move_sel(&b->region_sel, b->loaded ? b->layout.region_count : 0, delta);
		break;
	case PANE_SETTINGS:
		flags = move_sel(&b->set_sel, SET_COUNT, delta);
		break;
	default:
		break;
	}
	return flags;
}

static int cycle_setting(struct bench *b, int delta)
{
	size_t n = settings[b->set_sel].count;
	b->setting[b->set_sel] = (b->setting[b->set_sel] + n + (size_t)(delta + (int)n)) % n;
	apply_settings(b);
	bool failed = false;
	const char *value = bench_setting_value(b, SET_BAUD);
	const char *note = b->set_sel == SET_BAUD ? bench_baud_note(b, value, &failed) : "";
	if (note[0] && failed)
		bench_log(b, 1, "baud %s: %u failed on this bridge last time; a job still tries it",
			  value, b->bauds.failed);
	else if (note[0])
		bench_log(b, 2, "baud %s%s", value, note);
	return SCREEN_REDRAW;
}

static int nav_key(struct bench *b, int key)
{
	switch (key) {
	case '\t':
		b->focus = (b->focus + 1) % PANE_COUNT;
		return SCREEN_REDRAW;
	case KEY_BTAB:
		b->focus = (b->focus + PANE_COUNT - 1) % PANE_COUNT;
		return SCREEN_REDRAW;
	case KEY_UP:
	case 'k':
		return pane_move(b, -1);
	case KEY_DOWN:
	case 'j':
		return pane_move(b, 1);
	case KEY_PPAGE:
		return pane_move(b, -8);
	case KEY_NPAGE:
		return pane_move(b, 8);
	case KEY_LEFT:
		return b->focus == PANE_SETTINGS ? cycle_setting(b, -1) : SCREEN_NONE;
	case KEY_RIGHT:
	case '\n':
	case '\r':
	case KEY_ENTER:
	case ' ':
		if (b->focus == PANE_SETTINGS)
			return cycle_setting(b, 1);
		if (b->focus == PANE_PORTS && key == ' ' && b->nports) {
			b->ports[b->port_sel].checked = !b->ports[b->port_sel].checked;
			return SCREEN_REDRAW;
		}
		if (b->focus == PANE_REGIONS && b->loaded) {
			b->checked[b->region_sel] = !b->checked[b->region_sel];
			return SCREEN_REDRAW;
		}
		if (key != ' ' && key != KEY_RIGHT && b->focus != PANE_REGIONS) {
			b->focus = (b->focus + 1) % PANE_COUNT;
			return SCREEN_REDRAW;
		}
		return SCREEN_NONE;
	case 'a': {
		if (b->focus == PANE_PORTS)
			return bench_ports_check_bridges(b);
		bool all = all_checked(b);
		for (size_t i = 0; i < LAYOUT_MAX_REGIONS; i++)
			b->checked[i] = !all;
		return SCREEN_REDRAW;
	}
	}
	return -1;
}

static int bench_key(struct screen *s, struct tui *ui, int key)
{
	struct bench *b = s->state;
	int flags = nav_key(b, key);
	if (flags >= 0)
		return flags;
	bool busy = bench_job_running(b);
	if (busy && key > 0 && key < 128 && strchr("werivS", key)) {
		bench_log(b, 1, "a job is running: wait for it or press Esc in its view");
		return SCREEN_REDRAW;
	}
	switch (key) {
	case 'w':
		ask_write(b);
		break;
	case 'e':
		tui_push(ui, dialog_confirm("Erase chip",
					    "Erase the WHOLE flash chip of the board on "
					    "the selected port? Everything on it is lost.",
					    do_erase, b));
		break;
	case 'r':
		ask_read(b);
		break;
	case 'v':
		do_verify(b);
		break;
	case 'i':
		b->nsteps = 0;
		add_step(b, (struct job_step){.kind = JOB_STEP_INFO}, "info");
		bench_job_start(b, ACT_INFO, "chip info", false);
		break;
	case 'o':
		ask_ota(b);
		break;
	case 'P':
		bench_ask_publish(b);
		break;
	case '+':
		bench_ports_add_virtual(b);
		apply_settings(b);
		break;
	case 'x':
		ask_dump(b);
		break;
	case 'S':
		bench_station_open(b);
		break;
	case 'p':
		if (b->group)
			tui_push(ui, bench_progress_screen(b));
		break;
	case 'l': {
		const char **lines = calloc(b->log_count ? b->log_count : 1, sizeof *lines);
		for (size_t i = 0; lines && i < b->log_count; i++)
			lines[i] = bench_log_line(b, i, NULL);
		if (lines)
			tui_push(ui, dialog_text("Log (every step and error in full)", lines,
						 b->log_count));
		free(lines);
		break;
	}
	case '?':
		tui_push(ui,
			 dialog_text("Help: the bench screen", bench_help_lines, bench_help_count));
		break;
	case KEY_CTRL_R:
	case KEY_F(5):
		bench_ports_scan(b);
		load_catalog(b);
		apply_settings(b);
		bench_log(b, 2, "rescanned ports and presets");
		break;
	case 'q':
	case TUI_KEY_INTERRUPT:
		if (!busy)
			return SCREEN_QUIT;
		tui_push(ui, dialog_confirm("Quit",
					    "A job is running. Cancel it (the board is left "
					    "in a known state) and quit?",
					    quit_yes, b));
		break;
	default:
		return SCREEN_NONE;
	}
	return SCREEN_REDRAW;
}

static int bench_tick(struct screen *s, struct tui *ui)
{
	struct bench *b = s->state;
	int flags = bench_ports_tick(b);
	if (flags & SCREEN_REDRAW)
		apply_settings(b);
	return flags | bench_job_tick(b);
}

static void bench_destroy(struct screen *s)
{
	if (!s)
		return;
	struct bench *b = s->state;
	if (b) {
		bool was_running = bench_job_running(b);
		bench_job_finish(b);
		if (b->exit_code && (was_running || b->quit_after_job))
			*b->exit_code = APP_EXIT_CANCELLED;
		if (b->summary && b->ui) /* only when the screen really ran */
			snprintf(b->summary, b->summary_cap, "%s%s",
				 was_running ? "cancelled on quit: " : "",
				 b->last_job[0] ? b->last_job : "no job was run");
		bench_ports_finish(b);
		layout_files_finish(&b->files);
		layout_catalog_destroy(b->cat);
		bench_log_free(b);
		if (b->tee)
			fclose(b->tee);
		free(b);
	}
	free(s);
}

static struct screen *bench_create(const struct config *cfg, struct tui *ui, char *summary,
				   size_t cap)
{
	struct screen *s = calloc(1, sizeof *s);
	struct bench *b = calloc(1, sizeof *b);
	if (!s || !b) {
		free(s);
		free(b);
		return NULL;
	}
	b->cfg = cfg;
	b->ui = ui;
	b->summary = summary;
	b->summary_cap = cap;
	b->inotify_fd = -1;
	if (cfg->log_path && !(b->tee = fopen(cfg->log_path, "a")))
		bench_log(b, 0, "--log %s: cannot open for appending", cfg->log_path);
	char baud[16];
	snprintf(baud, sizeof baud, "%u", cfg->baud);
	b->setting[SET_BAUD] = index_of(SET_BAUD, baud);
	b->setting[SET_BEFORE] = index_of(SET_BEFORE, cfg->before);
	b->setting[SET_AFTER] = index_of(SET_AFTER, cfg->after);
	if (cfg->boot_check)
		b->setting[SET_BOOT] = index_of(SET_BOOT, "on");
	/* Writes append to the journal (--journal, else the default; --no-journal: none). */
	struct ed_error jerr = {0};
	if (cfg->no_journal)
		b->journal[0] = '\0';
	else if (cfg->journal_path)
		snprintf(b->journal, sizeof b->journal, "%s", cfg->journal_path);
	else if (journal_default_path(b->journal, sizeof b->journal, &jerr) < 0)
		b->journal[0] = '\0';
	*s = (struct screen){.name = "bench",
			     .draw = bench_draw,
			     .key = bench_key,
			     .tick = bench_tick,
			     .destroy = bench_destroy,
			     .state = b};
	return s;
}

/* The first tick has the ui; everything that needs it (watched fds) starts there. */
static int bench_first_tick(struct screen *s, struct tui *ui)
{
	struct bench *b = s->state;
	b->ui = ui;
	bench_log(b, 2,
		  "espdeck bench: firmware folder %s; Tab moves between panes, ? shows "
		  "every key",
		  b->cfg->firmware_dir);
	bench_ports_init(b);
	for (size_t i = 0; i < b->cfg->port_count; i++) {
		char note[256]; /* the virtual board's flash: kept, and where (issue 15) */
		if (link_sim_flash_note(b->cfg->ports[i], note, sizeof note) == 0)
			bench_log(b, 2, "%s: %s", b->cfg->ports[i], note);
	}
	load_catalog(b);
	apply_settings(b);
	s->tick = bench_tick;
	return SCREEN_REDRAW | bench_tick(s, ui);
}

int tui_main(const struct config *cfg)
{
	char summary[1024] = "";
	int status = APP_EXIT_OK;
	struct screen *s = bench_create(cfg, NULL, summary, sizeof summary);
	if (!s) {
		fprintf(stderr, "espdeck: out of memory\n");
		return APP_EXIT_FAIL;
	}
	s->tick = bench_first_tick;
	((struct bench *)s->state)->exit_code = &status;
	int rc = tui_run(cfg, s);
	if (rc == APP_EXIT_OK)
		rc = status;
	if (summary[0])
		printf("espdeck: %s\n", summary);
	return rc;
}
