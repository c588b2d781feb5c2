"""What a glue-script author meets first: a progress callback that fails, a misspelt option, the
server's banner, typed schema(), the async client's server_info, and where the binary is found."""

import asyncio
import os
import shutil
import tempfile
import unittest
from pathlib import Path
from unittest import mock

import support
from support import BINARY, CLEAN_ENV, create_payload, update_payload

import openframe_rpc
from openframe_rpc import _binary, AsyncOpenFrameClient, BinaryNotFound, ClientClosed, OpenFrameClient, Schemas, ServerExited


class ProgressCallbackFailureTests(unittest.TestCase):
    def test_a_raising_callback_is_reported_once_and_the_call_goes_on(self):
        calls = []

        def on_progress(progress):
            calls.append(progress.kind)
            raise RuntimeError("the dashboard is down")

        with support.client() as c, support.captured_logs("openframe_rpc", level=0) as records:
            created = c.create_voice_interaction(create_payload(), on_progress=on_progress)
            self.assertEqual(created.status, "SUCCESS")
            updated = c.update_voice_interaction(created.sys_id, update_payload(), on_progress=on_progress)
            self.assertEqual(updated.status, "SUCCESS")
        self.assertEqual(calls.count("begin"), 2, "the callback keeps being called")
        self.assertEqual(calls.count("end"), 2)
        errors = [r for r in records if r.levelname == "ERROR"]
        self.assertEqual(len(errors), 2, "one report per call: %s" % [r.getMessage() for r in errors])
        self.assertIn("openframe/createVoiceInteraction", errors[0].getMessage())
        self.assertIn("RuntimeError", errors[0].getMessage())
        self.assertIsNotNone(errors[0].exc_info)

    def test_async_callbacks_that_raise_or_fail_later_never_fail_the_call(self):
        async def failing_coroutine(progress):
            await asyncio.sleep(0)
            raise ValueError("async failure")

        def failing_function(progress):
            raise KeyError("sync failure")

        async def main():
            async with support.async_client() as c:
                created = await c.create_voice_interaction(create_payload(), on_progress=failing_coroutine)
                updated = await c.update_voice_interaction(created.sys_id, update_payload(), on_progress=failing_function)
                await asyncio.sleep(0.05)  # let the callback tasks finish
                return created, updated

        with support.captured_logs("openframe_rpc", level=0) as records:
            created, updated = asyncio.run(main())
        self.assertEqual((created.status, updated.status), ("SUCCESS", "SUCCESS"))
        errors = [r.getMessage() for r in records if r.levelname == "ERROR"]
        self.assertEqual(len(errors), 2, errors)
        self.assertIn("ValueError", errors[0])
        self.assertIn("KeyError", errors[1])


class UnknownOptionTests(unittest.TestCase):
    def test_constructor_names_the_closest_option(self):
        with self.assertRaises(TypeError) as caught:
            OpenFrameClient(BINARY, logLevel="debug")
        self.assertEqual(
            str(caught.exception), "OpenFrameClient() got an unexpected keyword argument 'logLevel'; did you mean 'log_level'?"
        )
        with self.assertRaises(TypeError) as caught:
            AsyncOpenFrameClient(BINARY, initialisation_options={})
        self.assertIn("did you mean 'initialization_options'?", str(caught.exception))

    def test_methods_name_the_closest_option_and_send_nothing(self):
        with support.client() as c:
            with self.assertRaises(TypeError) as caught:
                c.create_voice_interaction(create_payload(), onProgress=print)
            self.assertIn("create_voice_interaction() got an unexpected keyword argument 'onProgress'; did you mean 'on_progress'?", str(caught.exception))
            with self.assertRaises(TypeError) as caught:
                c.validate(create_payload(), zzz=1)
            self.assertIn("valid ones: payload, text, operation", str(caught.exception))
            self.assertTrue(c.validate(create_payload()).valid)

    def test_async_methods_too(self):
        async def main():
            async with support.async_client() as c:
                with self.assertRaises(TypeError) as caught:
                    await c.update_voice_interaction("a" * 32, update_payload(), apiVersion="v1")
                return str(caught.exception)

        self.assertIn("did you mean 'api_version'?", asyncio.run(main()))


class BannerTests(unittest.TestCase):
    def test_no_banner_by_default_but_on_request(self):
        quiet, chatty = [], []
        with OpenFrameClient(BINARY, env=CLEAN_ENV, stderr=quiet.append) as c:
            self.assertTrue(c.validate(create_payload()).valid)
        self.assertEqual(quiet, [])
        with OpenFrameClient(BINARY, env=CLEAN_ENV, stderr=chatty.append, log_level="info"):
            pass
        self.assertTrue(any("serving JSON-RPC on stdio" in line for line in chatty), chatty)
        with OpenFrameClient(BINARY, env=CLEAN_ENV, stderr=chatty.append, args=["--log-level", "info"]) as c:
            self.assertEqual(c._conn.argv.count("--log-level"), 1, "the host's own --log-level is not overridden")

    def test_a_start_up_failure_still_says_why(self):
        with self.assertRaises(ServerExited) as caught:
            OpenFrameClient(BINARY, env=CLEAN_ENV, stderr=lambda line: None, args=["--max-attempts", "0"])
        self.assertIn("--max-attempts must be a whole number", str(caught.exception))
        env = dict(CLEAN_ENV, OPENFRAME_USERNAME="glue")  # a half-set credential pair
        with self.assertRaises(ServerExited) as caught:
            OpenFrameClient(BINARY, env=env, stderr=lambda line: None, instance="https://example.service-now.com")
        self.assertIn("OPENFRAME_PASSWORD", str(caught.exception))


class SchemaTests(unittest.TestCase):
    def test_schema_one_or_both(self):
        with support.client() as c:
            update = c.schema("update")
            both = c.schema()
            with self.assertRaises(ValueError):
                c.schema("delete")
        self.assertEqual(update["$schema"], "https://json-schema.org/draft/2020-12/schema")
        self.assertIn("interaction", update["required"])
        self.assertIsInstance(both, Schemas)
        self.assertEqual(both.update, update)
        self.assertIn("userPhoneNumber", both.create["properties"]["interaction"]["required"])
        checked_in = Path(support.REPO, "schema", "create.schema.json").read_text()
        import json
        self.assertEqual(both.create, json.loads(checked_in))

    def test_async_schema(self):
        async def main():
            async with support.async_client() as c:
                return await c.schema("create"), await c.schema()

        create, both = asyncio.run(main())
        self.assertEqual(both.create, create)


class AsyncServerInfoTests(unittest.TestCase):
    def test_server_info_is_there_inside_async_with_and_an_error_before(self):
        client = support.async_client()
        with self.assertRaises(ClientClosed) as caught:
            client.server_info
        self.assertIn("not started", str(caught.exception))

        async def main():
            async with client as c:
                return c.server_info

        info = asyncio.run(main())
        self.assertEqual(info.name, "openframe-rpc")


class FindBinaryTests(unittest.TestCase):
    """The search order: binary=, $OPENFRAME_RPC_BIN, the bundled binary, PATH, a clone's .build."""

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.tmp)
        self.empty_path = self.tmp / "empty-path"
        self.empty_path.mkdir()
        self.package = self.tmp / "site-packages" / "openframe_rpc"
        self.package.mkdir(parents=True)
        saved_cwd = os.getcwd()
        self.addCleanup(os.chdir, saved_cwd)
        patches = [
            mock.patch.object(_binary, "PACKAGE_DIR", self.package),
            mock.patch.object(_binary, "BUNDLED", self.package / "bin" / "openframe-rpc"),
            mock.patch.dict(os.environ, {"PATH": str(self.empty_path)}),
        ]
        for patch in patches:
            patch.start()
            self.addCleanup(patch.stop)
        os.environ.pop("OPENFRAME_RPC_BIN", None)

    def link(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(BINARY, path)
        return path

    def make_clone(self, root: Path) -> Path:
        (root / "Sources" / "openframe-rpc").mkdir(parents=True)
        (root / "Package.swift").write_text("// swift-tools-version:6.0\n")
        return self.link(root / ".build" / "debug" / "openframe-rpc")

    def test_nothing_found_lists_every_place_tried(self):
        os.chdir(self.tmp)
        with self.assertRaises(BinaryNotFound) as caught:
            _binary.find_binary()
        message = str(caught.exception)
        for expected in (
            "$OPENFRAME_RPC_BIN: not set",
            "the bundled binary %s: not there" % (self.package / "bin" / "openframe-rpc"),
            "openframe-rpc on PATH: not found",
            "no clone of the repository at or above %s" % self.tmp.resolve(),
            "no clone of the repository at or above %s" % self.package,
        ):
            self.assertIn(expected, message)

    def test_the_order(self):
        clone_build = self.make_clone(self.tmp / "clone")
        os.chdir(self.tmp / "clone" / "Sources")
        self.assertEqual(_binary.find_binary(), str(clone_build), "a clone above the current directory")
        on_path = self.link(self.empty_path / "openframe-rpc")
        self.assertEqual(_binary.find_binary(), str(on_path), "PATH before a clone")
        bundled = self.link(self.package / "bin" / "openframe-rpc")
        self.assertEqual(_binary.find_binary(), str(bundled), "the bundled binary before PATH")
        self.assertEqual(_binary.find_binary(env={"OPENFRAME_RPC_BIN": BINARY}), BINARY)
        self.assertEqual(_binary.find_binary(str(clone_build)), str(clone_build))

    def test_a_clone_above_the_package_when_the_current_directory_is_elsewhere(self):
        clone_build = self.make_clone(self.tmp)  # the package sits inside this "clone"
        os.chdir("/")
        self.assertEqual(_binary.find_binary(), str(clone_build))
        os.unlink(clone_build)
        with self.assertRaises(BinaryNotFound) as caught:
            _binary.find_binary()
        self.assertIn("%s: not built" % clone_build, str(caught.exception))

    def test_another_swift_package_is_not_a_clone(self):
        (self.tmp / "Package.swift").write_text("// someone else's package\n")
        self.link(self.tmp / ".build" / "debug" / "openframe-rpc")
        os.chdir(self.tmp)
        with self.assertRaises(BinaryNotFound):
            _binary.find_binary()


if __name__ == "__main__":
    unittest.main()
