/* Configure-time probe: does this libngspice solve with KLU when asked? Exit 0 if yes. */
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <ngspice/sharedspice.h>

static int klu_seen = 0, sparse_seen = 0;
static char version[128] = "unknown version";

static int probe_char(char* s, int id, void* user) {
  (void)id; (void)user;
  if (strstr(s, "Using KLU")) klu_seen = 1;
  if (strstr(s, "Using SPARSE")) sparse_seen = 1;
  const char* v = strstr(s, "ngspice-");
  if (v && strcmp(version, "unknown version") == 0) {
    snprintf(version, sizeof version, "%s", v);
    char* sp = strchr(version, ' ');
    if (sp) *sp = '\0';
  }
  return 0;
}
static int probe_stat(char* s, int id, void* user) { (void)s; (void)id; (void)user; return 0; }
static int probe_exit(int st, NG_BOOL u, NG_BOOL q, int id, void* user) {
  (void)st; (void)u; (void)q; (void)id; (void)user; return 0;
}

int main(void) {
  setlocale(LC_NUMERIC, "C");
  ngSpice_Init(probe_char, probe_stat, probe_exit, NULL, NULL, NULL, NULL);
  ngSpice_Command("version -s");
  char* deck[] = {"klu probe", "V1 a 0 1", "R1 a 0 1k", ".options klu", ".op", ".end", NULL};
  ngSpice_Circ(deck);
  ngSpice_Command("option klu");
  ngSpice_Command("op");
  ngSpice_Command("remcirc");
  ngSpice_Command("destroy all");
  if (klu_seen) { printf("%s, KLU", version); return 0; }
  printf("%s, solver %s", version, sparse_seen ? "SPARSE 1.3" : "unknown");
  return 1;
}
