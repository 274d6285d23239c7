/** A server's 404 or 409 to an action on one thing: said in a sentence, exit 1 (any other error goes up). */
import { ApiError } from "./admin-client.ts";
import { EXIT, type Io } from "./command.ts";

export function refusal(error: unknown, io: Io, words: { missing: string; refused: string }): number {
  if (!(error instanceof ApiError)) throw error;
  if (error.status === 404 && error.code === "not_found") io.err(words.missing);
  else if (error.status === 409 || error.status === 422) io.err(`${words.refused}: ${error.message}`);
  else throw error;
  return EXIT.failed;
}
