/* SPDX-License-Identifier: MIT
 * Runs a libFuzzer target's LLVMFuzzerTestOneInput over every file of the corpus folders
 * given as arguments, so the corpus is checked by every build (gcc, ASan), not only by the
 * clang fuzzing build. A finding aborts inside the target; success prints the count. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	static uint8_t buf[1 << 20];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	/* a copy of exactly n bytes: ASan sees a read past the input */
	uint8_t *copy = malloc(n ? n : 1);
	if (!copy)
		return -1;
	memcpy(copy, buf, n);
	LLVMFuzzerTestOneInput(copy, n);
	free(copy);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long inputs = 0;
	for (int i = 1; i < argc; i++) {
		DIR *dir = opendir(argv[i]);
		if (!dir) {
			fprintf(stderr, "replay: cannot open corpus folder %s\n", argv[i]);
			return 1;
		}
		for (struct dirent *e; (e = readdir(dir));) {
			char path[4096];
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
			if (replay_file(path)) {
				fprintf(stderr, "replay: cannot read %s\n", path);
				return 1;
			}
			inputs++;
		}
		closedir(dir);
	}
	printf("replayed %lu inputs\n", inputs);
	return inputs ? 0 : 1;
}
